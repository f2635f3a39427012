%% What the integration scenarios share: checks run one by one with a verdict line
%% each, node programs started and waited for, enode client commands, waiting.
-module(enode_it).
-export([run_checks/2, start_program/3, await_line/2, os_pid/1, remember_os_pid/2, programs/0, wait_exit/1,
         kill_all/0, cmd/2, short_host/0, load/1, wait_until/2, fresh_epmd_port/1,
         scaled/2]).

-define(T, 60000).

%% Runs each {Name, Fun} in a process of its own; prints "ok NAME" or "FAIL NAME: why" and
%% a summary line; returns the names that failed.
run_checks(Title, Checks) ->
    Results = [run_check(Name, F) || {Name, F} <- Checks],
    Failed = [N || {N, false} <- Results],
    io:format("~s (OTP ~s): ~b checks, ~b failed~s~n",
              [Title, erlang:system_info(otp_release), length(Results), length(Failed),
               [" (" ++ lists:join(", ", [atom_to_list(N) || N <- Failed]) ++ ")" || Failed =/= []]]),
    Failed.

run_check(Name, F) ->
    {Pid, Ref} = spawn_monitor(fun() -> exit({result, F()}) end),
    receive
        {'DOWN', Ref, process, Pid, {result, ok}} ->
            io:format("ok   ~p~n", [Name]), {Name, true};
        {'DOWN', Ref, process, Pid, Other} ->
            io:format("FAIL ~p: ~P~n", [Name, Other, 40]), {Name, false}
    after 300000 ->
        exit(Pid, kill),
        io:format("FAIL ~p: timeout~n", [Name]), {Name, false}
    end.

%% Starts a node program (`enode run ...`) and waits for the line that starts with
%% ReadyPrefix and names the node; its other output is printed, prefixed with the node.
start_program(Exe, Args, ReadyPrefix) ->
    ensure_table(),
    Self = self(),
    Keeper = spawn(fun() ->
        Port = open_port({spawn_executable, Exe},
                         [{args, Args}, {line, 4096}, exit_status, use_stdio, stderr_to_stdout]),
        {os_pid, OsPid} = erlang:port_info(Port, os_pid),
        keep(Port, Self, ReadyPrefix, OsPid, undefined)
    end),
    receive
        {ready, Keeper, Node, OsPid} ->
            ets:insert(enode_it, [{{os_pid, Node}, integer_to_list(OsPid)}, {{keeper, Node}, Keeper}]),
            Node;
        {not_ready, Keeper, Status} -> error({node_did_not_start, Exe, Args, Status})
    after 30000 -> error({node_did_not_start, Exe, Args})
    end.

keep(Port, Owner, Prefix, OsPid, Node) -> keep(Port, Owner, Prefix, OsPid, Node, [], []).

%% Lines: what the program printed, newest first; Waiters: await_line callers not yet
%% answered, as {From, Substring}.
keep(Port, Owner, Prefix, OsPid, Node, Lines, Waiters) ->
    receive
        {Port, {data, {eol, Line}}} ->
            case {Node, lists:prefix(Prefix, Line)} of
                {undefined, true} ->
                    [Name | _] = string:tokens(lists:nthtail(length(Prefix), Line), " "),
                    N = list_to_atom(Name),
                    Owner ! {ready, self(), N, OsPid},
                    keep(Port, Owner, Prefix, OsPid, N, Lines, Waiters);
                _ ->
                    io:format("  [~s] ~s~n", [Node, Line]),
                    keep(Port, Owner, Prefix, OsPid, Node, [Line | Lines], answer(Line, Waiters))
            end;
        {Port, {data, {noeol, Line}}} ->
            io:format("  [~s] ~s~n", [Node, Line]),
            keep(Port, Owner, Prefix, OsPid, Node, [Line | Lines], answer(Line, Waiters));
        {await_line, From, Sub} ->
            case [L || L <- lists:reverse(Lines), string:find(L, Sub) =/= nomatch] of
                [L | _] -> From ! {line, self(), L}, keep(Port, Owner, Prefix, OsPid, Node, Lines, Waiters);
                [] -> keep(Port, Owner, Prefix, OsPid, Node, Lines, [{From, Sub} | Waiters])
            end;
        {Port, {exit_status, St}} when Node =:= undefined -> Owner ! {not_ready, self(), St};
        {Port, {exit_status, St}} -> exited(St)
    end.

answer(Line, Waiters) ->
    [W || {From, Sub} = W <- Waiters,
          string:find(Line, Sub) =:= nomatch orelse begin From ! {line, self(), Line}, false end].

%% The first line (after the ready line) that a program start_program started printed
%% with Substring in it, waiting for it as long as it takes (up to ?T).
await_line(Node, Substring) ->
    [{_, Keeper}] = ets:lookup(enode_it, {keeper, Node}),
    Keeper ! {await_line, self(), Substring},
    receive {line, Keeper, Line} -> Line after ?T -> error({no_line, Node, Substring}) end.

exited(St) ->
    receive {wait_exit, From} -> From ! {exited, self(), St}, exited(St) end.

%% The exit status of a program start_program started, once it has ended.
wait_exit(Node) ->
    [{_, Keeper}] = ets:lookup(enode_it, {keeper, Node}),
    Keeper ! {wait_exit, self()},
    receive {exited, Keeper, St} -> St after ?T -> error({did_not_exit, Node}) end.

%% The nodes of the programs start_program started.
programs() -> [N || {{keeper, N}, _} <- ets:tab2list(enode_it)].

os_pid(Node) ->
    case ets:lookup(enode_it, {os_pid, Node}) of [{_, P}] -> P; [] -> undefined end.

%% The OS pid of a node started otherwise (a BEAM node), for os_pid/1 and kill_all/0.
remember_os_pid(Node, OsPid) ->
    ensure_table(),
    ets:insert(enode_it, {{os_pid, Node}, OsPid}).

%% Kills every program start_program started (a failed check may leave them behind).
kill_all() ->
    ensure_table(),
    [os:cmd("kill -9 " ++ P) || {{os_pid, _}, P} <- ets:tab2list(enode_it)],
    ok.

%% Runs `enode Args...`: {Output, ExitStatus}.
cmd(Enode, Args) ->
    Port = open_port({spawn_executable, Enode}, [{args, Args}, exit_status, use_stdio, binary, stderr_to_stdout]),
    collect(Port, <<>>).

collect(Port, Acc) ->
    receive
        {Port, {data, D}} -> collect(Port, <<Acc/binary, D/binary>>);
        {Port, {exit_status, St}} -> {binary_to_list(Acc), St}
    after ?T -> error(command_timeout)
    end.

short_host() ->
    {ok, H} = inet:gethostname(),
    hd(string:tokens(H, ".")).

%% Full, or Small where ENODE_TEST_SCALE=small: the sanitizer passes run the heavy
%% scenarios on the same code path with smaller counts and sizes (CTest sets it there).
scaled(Full, Small) ->
    case os:getenv("ENODE_TEST_SCALE") of
        "small" -> Small;
        _ -> Full
    end.

load(Src) ->
    {ok, Mod, Bin} = compile:file(Src, [binary, report_errors]),
    {module, Mod} = code:load_binary(Mod, Src, Bin).

wait_until(F, T) when T =< 0 -> true = F();
wait_until(F, T) ->
    case catch F() of
        true -> ok;
        _ -> timer:sleep(200), wait_until(F, T - 200)
    end.

%% ERL_EPMD_PORT, checked free: the first enode node serves EPMD there.
fresh_epmd_port(Title) ->
    Port = list_to_integer(os:getenv("ERL_EPMD_PORT", "4369")),
    case gen_tcp:connect("127.0.0.1", Port, [], 1000) of
        {ok, S} ->
            gen_tcp:close(S),
            io:format("~s: something already listens on EPMD port ~b~n", [Title, Port]),
            halt(1);
        {error, _} -> Port
    end.

ensure_table() ->
    case ets:info(enode_it) of
        undefined ->
            %% Owned by a process that lives as long as the script.
            Self = self(),
            spawn(fun() -> ets:new(enode_it, [named_table, public]), Self ! table, receive never -> ok end end),
            receive table -> ok end;
        _ -> ok
    end.
