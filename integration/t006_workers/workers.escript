#!/usr/bin/env escript
%%! -noshell
%% C++ workers called from BEAM: the demo node (`enode run`) serves rpc and erpc (spawn
%% requests), rex, the `kv` gen_server and enode_demo's functions; `enode call` calls
%% into this BEAM node; the Elixir demo script runs against it too. Asserted here, on
%% the BEAM side.
%%
%% usage: ERL_EPMD_PORT=P escript workers.escript ENODE
%% Nothing may listen on P when it starts: the enode node serves EPMD there.
-mode(compile).

-define(T, 10000).

main([Enode]) ->
    logger:set_primary_config(level, error),
    Dir = filename:dirname(escript:script_name()),
    Common = filename:join([Dir, "..", "common", "enode_it.erl"]),
    {ok, enode_it, Bin} = compile:file(Common, [binary, report_errors]),
    {module, enode_it} = code:load_binary(enode_it, Common, Bin),
    enode_it:load(filename:join([Dir, "..", "t001_etf_differential", "etf_gen.erl"])),
    EpmdPort = enode_it:fresh_epmd_port("workers"),
    Suffix = integer_to_list(erlang:phash2({os:getpid(), erlang:monotonic_time()}, 100000)),
    Cookie = "w" ++ Suffix,
    Cpp = enode_it:start_program(Enode, ["run", "--sname", "cpp_" ++ Suffix, "--cookie", Cookie], "enode "),
    {ok, _} = net_kernel:start([list_to_atom("t006_" ++ Suffix), shortnames]),
    erlang:set_cookie(node(), list_to_atom(Cookie)),
    io:format("workers (OTP ~s): EPMD port ~b, enode node ~s~n", [erlang:system_info(otp_release), EpmdPort, Cpp]),
    Ctx = #{enode => Enode, cpp => Cpp, cookie => Cookie, suffix => Suffix, dir => Dir},
    Failed = enode_it:run_checks("workers", [{Name, fun() -> F(Ctx) end} || {Name, F} <- checks()]),
    enode_it:kill_all(),
    halt(case Failed of [] -> 0; _ -> 1 end).

checks() ->
    [{acceptance_rpc_and_erpc, fun acceptance/1},
     {erpc_outcomes, fun erpc_outcomes/1},
     {erpc_echo_every_term_type, fun echo_terms/1},
     {bad_argument_is_badarg, fun bad_argument/1},
     {timeouts, fun timeouts/1},
     {multicall_including_this_node, fun multicall/1},
     {casts, fun casts/1},
     {spawn_of_other_modules, fun spawn_other/1},
     {spawn_link_and_monitor_options, fun spawn_options/1},
     {rex, fun rex/1},
     {kv_gen_server, fun kv/1},
     {debug_log, fun debug_log/1},
     {spawn_echo, fun spawn_echo/1},
     {enode_call_into_beam, fun enode_call/1},
     {concurrent_erpc_calls, fun concurrent/1},
     {elixir_demo, fun elixir/1}].

%% --- the checks ------------------------------------------------------------------------

acceptance(#{cpp := Cpp}) ->
    Big = (1 bsl 100) + 1,
    Big = rpc:call(Cpp, enode_demo, add, [1 bsl 100, 1]),
    {badrpc, {'EXIT', {undef, _}}} = rpc:call(Cpp, enode_demo, nope, []),
    {error, {exception, boom, _}} = raised(fun() -> erpc:call(Cpp, enode_demo, fail, [boom]) end),
    ok.

erpc_outcomes(#{cpp := Cpp}) ->
    3.5 = erpc:call(Cpp, enode_demo, add, [1.5, 2]),
    -1 = erpc:call(Cpp, enode_demo, add, [1 bsl 70, -(1 bsl 70) - 1]),
    {error, {exception, badarith, [{enode_demo, add, 2, _}]}} =
        raised(fun() -> erpc:call(Cpp, enode_demo, add, [a, 1]) end),
    {error, {exception, {my, reason}, [{enode_demo, fail, 1, _}]}} =
        raised(fun() -> erpc:call(Cpp, enode_demo, fail, [{my, reason}]) end),
    %% An unknown function is undef with its arguments, as erpc reports it from BEAM.
    {error, {exception, undef, [{enode_demo, nope, [1, 2], []}]}} =
        raised(fun() -> erpc:call(Cpp, enode_demo, nope, [1, 2]) end),
    {error, {exception, undef, [{no_such_module, f, [], []}]}} =
        raised(fun() -> erpc:call(Cpp, no_such_module, f, []) end),
    %% The same as a BEAM node answers for a module it does not have.
    {error, {exception, undef, [{no_such_module, f, [], _}]}} =
        raised(fun() -> erpc:call(node(), no_such_module, f, []) end),
    {badrpc, {'EXIT', {{my, reason}, [{enode_demo, fail, 1, _}]}}} = rpc:call(Cpp, enode_demo, fail, [{my, reason}]),
    Cpp = erpc:call(Cpp, erlang, node, []),
    true = lists:member(node(), erpc:call(Cpp, erlang, nodes, [])),
    ok.

echo_terms(#{cpp := Cpp}) ->
    Seed = etf_gen:pick_seed([]),
    io:format("  echo terms: seed ~b (ENODE_SEED=~b repeats them)~n", [Seed, Seed]),
    etf_gen:seed(Seed),
    Terms = [etf_gen:term() || _ <- lists:seq(1, 300)] ++
            [self(), make_ref(), #{a => [1, 2]}, <<1:3>>, fun lists:map/2, 1 bsl 200, -0.0, [], {}],
    [begin
         Back = erpc:call(Cpp, enode_demo, echo, [T]),
         case Back =:= T of
             true -> ok;
             false -> error({changed, T, Back})
         end
     end || T <- Terms],
    ok.

bad_argument(#{cpp := Cpp}) ->
    %% sleep/1 takes a C++ uint32: a negative number does not convert.
    {error, {exception, badarg, [{enode_demo, sleep, [-1], [{reason, Why}]}]}} =
        raised(fun() -> erpc:call(Cpp, enode_demo, sleep, [-1]) end),
    <<"argument 1: expected an integer in 0..4294967295, got -1">> = Why,
    {error, {exception, badarg, _}} = raised(fun() -> erpc:call(Cpp, enode_demo, sleep, [soon]) end),
    ok.

timeouts(#{cpp := Cpp}) ->
    {error, {erpc, timeout}} = raised(fun() -> erpc:call(Cpp, enode_demo, sleep, [3000], 100) end),
    {badrpc, timeout} = rpc:call(Cpp, enode_demo, sleep, [3000], 100),
    ok = erpc:call(Cpp, enode_demo, sleep, [10], 5000),
    %% Nothing of the abandoned calls arrives later.
    receive M -> error({late, M}) after 3500 -> ok end.

multicall(#{cpp := Cpp}) ->
    Me = node(),
    {[Me, Cpp], []} = rpc:multicall([node(), Cpp], erlang, node, []),
    [{ok, x}, {ok, x}] = erpc:multicall([Cpp, Cpp], enode_demo, echo, [x]),
    [{ok, Me}, {ok, Cpp}] = erpc:multicall([node(), Cpp], erlang, node, []),
    Nobody = list_to_atom("nobody@" ++ enode_it:short_host()),
    {[Cpp], [Nobody]} = rpc:multicall([Cpp, Nobody], erlang, node, [], 5000),
    ok.

casts(#{cpp := Cpp}) ->
    ok = erpc:cast(Cpp, erlang, send, [self(), erpc_cast]),
    receive erpc_cast -> ok after ?T -> error(no_erpc_cast) end,
    true = rpc:cast(Cpp, erlang, send, [self(), rpc_cast]),
    receive rpc_cast -> ok after ?T -> error(no_rpc_cast) end,
    %% A failing cast harms nothing.
    ok = erpc:cast(Cpp, enode_demo, fail, [ignored]),
    pong = net_adm:ping(Cpp),
    ok.

spawn_other(#{cpp := Cpp}) ->
    %% spawn/4 of a module that exists on neither node: the process starts and ends with
    %% undef, on enode exactly as on this BEAM node.
    Here = down_reason(spawn_monitor(node(), no_such_module, f, [1])),
    There = down_reason(spawn_monitor(Cpp, no_such_module, f, [1])),
    {undef, [{no_such_module, f, [1], _}]} = Here,
    {undef, [{no_such_module, f, [1], []}]} = There,
    %% A C++ function spawned as a process: it runs, its end is seen.
    normal = down_reason(spawn_monitor(Cpp, enode_demo, echo, [x])),
    {boom, [{enode_demo, fail, 1, _}]} = down_reason(spawn_monitor(Cpp, enode_demo, fail, [boom])),
    ok.

spawn_options(#{cpp := Cpp}) ->
    process_flag(trap_exit, true),
    P = spawn_link(Cpp, enode_demo, fail, [linked_boom]),
    receive {'EXIT', P, {linked_boom, _}} -> ok after ?T -> error(no_exit) end,
    %% Our exit reaches a linked C++ process: sleep/1 ends with it.
    S = spawn_link(Cpp, enode_demo, sleep, [60000]),
    R = monitor(process, S),
    exit(S, stop_it),
    receive {'DOWN', R, process, S, stop_it} -> ok after ?T -> error(no_down) end,
    receive {'EXIT', S, stop_it} -> ok after ?T -> error(no_exit_of_sleeper) end,
    %% spawn_request with a reply and a monitor, as erpc's are made.
    Req = spawn_request(Cpp, enode_demo, echo, [y], [monitor]),
    receive {spawn_reply, Req, ok, Pid} when node(Pid) =:= Cpp -> ok after ?T -> error(no_spawn_reply) end,
    receive {'DOWN', Req, process, _, normal} -> ok after ?T -> error(no_down_of_request) end,
    ok.

rex(#{cpp := Cpp}) ->
    z = rpc:block_call(Cpp, enode_demo, echo, [z]),
    {[Cpp], []} = rpc:sbcast([Cpp], echo, {self(), sbcast_came}),
    sbcast_came = recv(),
    {[], [Cpp]} = rpc:sbcast([Cpp], no_such_name, hi),
    %% The ei-style request of C nodes and erl_call.
    {rex, Cpp} ! {self(), {call, enode_demo, add, [2, 3], user}},
    receive {rex, 5} -> ok after ?T -> error(no_rex_reply) end,
    {rex, Cpp} ! {self(), features_request},
    receive {features_reply, Cpp, [erpc]} -> ok after ?T -> error(no_features_reply) end,
    ok.

kv(#{cpp := Cpp}) ->
    KV = {kv, Cpp},
    ok = gen_server:call(KV, {put, k1, <<"v1">>}),
    ok = gen_server:call(KV, {put, {k, 2}, #{v => 2}}),
    {ok, <<"v1">>} = gen_server:call(KV, {get, k1}),
    {ok, #{v := 2}} = gen_server:call(KV, {get, {k, 2}}),
    error = gen_server:call(KV, {get, missing}),
    Keys = gen_server:call(KV, keys),
    true = lists:sort([k1, {k, 2}]) =:= lists:sort(Keys -- [lang, {user, 1}]),
    ok = gen_server:call(KV, {delete, k1}),
    error = gen_server:call(KV, {get, k1}),
    ok = gen_server:call(KV, {delete, {k, 2}}),
    {error, {bad_request, what}} = gen_server:call(KV, what),
    %% The servers are supervised: killed, kv comes back (empty).
    Old = rpc:call(Cpp, erlang, whereis, [kv]),
    exit(Old, kill),
    enode_it:wait_until(fun() -> is_pid(New = rpc:call(Cpp, erlang, whereis, [kv])) andalso New =/= Old end, 10000),
    error = gen_server:call(KV, {get, k1}),
    %% ... and the node said so, as OTP's supervisor reports it.
    _ = enode_it:await_line(Cpp, "error " ++ atom_to_list(Cpp) ++ ": SUPERVISOR REPORT"),
    _ = enode_it:await_line(Cpp, "supervisor: {local,enode_demo_sup}"),
    _ = enode_it:await_line(Cpp, "errorContext: child_terminated"),
    _ = enode_it:await_line(Cpp, "reason: killed"),
    _ = enode_it:await_line(Cpp, "{id,kv}"),
    _ = enode_it:await_line(Cpp, "restarted child kv as"),
    ok.

%% `enode run --log-level debug`: each step of a connection's setup is logged, naming
%% the other node.
debug_log(#{enode := Enode, cookie := Cookie, suffix := S}) ->
    Dbg = enode_it:start_program(Enode, ["run", "--sname", "cpp_dbg_" ++ S, "--cookie", Cookie,
                                         "--log-level", "debug"], "enode "),
    pong = net_adm:ping(Dbg),
    Me = atom_to_list(node()),
    _ = enode_it:await_line(Dbg, "debug " ++ atom_to_list(Dbg) ++ ": registered with EPMD"),
    _ = enode_it:await_line(Dbg, ": handshake"),
    _ = enode_it:await_line(Dbg, "accepting " ++ Me),
    _ = enode_it:await_line(Dbg, "notice " ++ atom_to_list(Dbg) ++ ": connected to " ++ Me),
    _ = enode_it:await_line(Dbg, "connection to " ++ Me ++ ": flags"),
    %% A level that is none is refused before the node starts.
    {Out, 2} = enode_it:cmd(Enode, ["run", "--sname", "cpp_bad_" ++ S, "--log-level", "loud"]),
    true = string:find(Out, "bad log level 'loud'") =/= nomatch,
    ok.

spawn_echo(#{cpp := Cpp}) ->
    process_flag(trap_exit, true),
    E = rpc:call(Cpp, enode_demo, spawn_echo, []),
    true = is_pid(E) andalso node(E) =:= Cpp,
    E ! {self(), hello},
    hello = recv(),
    E ! {link, self()},
    {linked, E} = recv(),
    E ! {exit, bye},
    {'EXIT', E, bye} = recv(),
    E2 = rpc:call(Cpp, enode_demo, spawn_echo, []),
    Watched = spawn(fun() -> receive go -> exit(done_here) end end),
    E2 ! {monitor, Watched, self()},
    E2 ! {self(), sync}, % the monitor is set up once the echo answers this
    sync = recv(),
    Watched ! go,
    {'DOWN', _, process, Watched, done_here} = recv(),
    R = monitor(process, E2),
    exit(E2, kill),
    receive {'DOWN', R, process, E2, killed} -> ok after ?T -> error(no_down) end,
    ok.

enode_call(#{enode := Enode, cookie := C}) ->
    Me = atom_to_list(node()),
    {"[3,2,1]\n", 0} = enode_it:cmd(Enode, ["call", Me, "lists", "reverse", "[[1,2,3]]", "--cookie", C]),
    {Out, 0} = enode_it:cmd(Enode, ["call", Me, "erlang", "list_to_tuple", "[[a, \"str\", <<1,2>>, 1.5, -7]]",
                                    "--cookie", C]),
    {a, "str", <<1, 2>>, 1.5, -7} = parse(Out),
    {Err, 0} = enode_it:cmd(Enode, ["call", Me, "erlang", "error", "[oops]", "--cookie", C]),
    {badrpc, {'EXIT', {oops, _}}} = parse(Err),
    {Slow, 0} = enode_it:cmd(Enode, ["call", Me, "timer", "sleep", "[5000]", "--timeout", "1", "--cookie", C]),
    {badrpc, timeout} = parse(Slow),
    {_, 1} = enode_it:cmd(Enode, ["call", "nobody@" ++ enode_it:short_host(), "erlang", "node", "[]",
                                 "--cookie", C]),
    {_, 2} = enode_it:cmd(Enode, ["call", Me, "erlang", "node", "not a list", "--cookie", C]),
    {_, 1} = enode_it:cmd(Enode, ["call", Me, "erlang", "node", "[]", "--cookie", "wrong"]),
    %% --erpc: a spawn request from C++ (erpc:execute_call/4 here); exceptions told apart,
    %% and what the function prints goes to enode's group leader, its standard output.
    {"[3,2,1]\n", 0} = enode_it:cmd(Enode, ["call", Me, "lists", "reverse", "[[1,2,3]]", "--erpc", "--cookie", C]),
    {"error: {exception,oops," ++ _, 3} =
        enode_it:cmd(Enode, ["call", Me, "erlang", "error", "[oops]", "--erpc", "--cookie", C]),
    {"throw: ball\n", 3} = enode_it:cmd(Enode, ["call", Me, "erlang", "throw", "[ball]", "--erpc", "--cookie", C]),
    {"exit: {exception,bye}\n", 3} =
        enode_it:cmd(Enode, ["call", Me, "erlang", "exit", "[bye]", "--erpc", "--cookie", C]),
    {"error: {erpc,timeout}\n", 3} =
        enode_it:cmd(Enode, ["call", Me, "timer", "sleep", "[5000]", "--erpc", "--timeout", "1", "--cookie", C]),
    {"printed {x,<<\"y\">>}\nok\n", 0} =
        enode_it:cmd(Enode, ["call", Me, "io", "format", "[\"printed ~p~n\", [{x, <<\"y\">>}]]", "--erpc",
                             "--cookie", C]),
    ok.

concurrent(#{cpp := Cpp}) ->
    Self = self(),
    Pids = [spawn_link(fun() ->
                [begin
                     Sum = N * 1000 + I,
                     Sum = erpc:call(Cpp, enode_demo, add, [N * 1000, I])
                 end || I <- lists:seq(1, 200)],
                Self ! {done, self()}
            end) || N <- lists:seq(1, 8)],
    [receive {done, P} -> ok after 60000 -> error(concurrent_timeout) end || P <- Pids],
    ok.

elixir(#{cpp := Cpp, cookie := C, suffix := S, dir := Dir}) ->
    Elixir = case os:find_executable("elixir") of
                 false -> error(no_elixir);
                 E -> E
             end,
    Script = filename:join([Dir, "..", "elixir", "enode_demo.exs"]),
    Port = open_port({spawn_executable, Elixir},
                     [{args, ["--sname", "ex_" ++ S, "--cookie", C, Script, atom_to_list(Cpp)]},
                      exit_status, use_stdio, stderr_to_stdout, {line, 4096}]),
    elixir_output(Port).

elixir_output(Port) ->
    receive
        {Port, {data, {_, Line}}} -> io:format("  [elixir] ~s~n", [Line]), elixir_output(Port);
        {Port, {exit_status, 0}} -> ok;
        {Port, {exit_status, St}} -> error({elixir_failed, St})
    after 120000 -> error(elixir_timeout)
    end.

%% --- helpers ---------------------------------------------------------------------------

raised(F) ->
    try F() of V -> {returned, V} catch Class:Reason -> {Class, Reason} end.

down_reason({Pid, Ref}) ->
    receive {'DOWN', Ref, process, Pid, R} -> R after ?T -> error({no_down, Pid}) end.

recv() -> receive M -> M after ?T -> error(nothing_came) end.

parse(Text) ->
    {ok, Tokens, _} = erl_scan:string(string:trim(Text) ++ "."),
    {ok, T} = erl_parse:parse_term(Tokens),
    T.
