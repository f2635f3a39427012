#!/usr/bin/env escript
%%! -noshell
%% Operating an enode node as one operates a BEAM node: sys on its gen_servers, supervisor
%% calls on its supervisor, and what tooling asks over rpc (processes, process_info,
%% memory, system_info, statistics, clocks, apply, init:stop, halt). Asserted here, on the
%% BEAM side, against the demo node (`enode run`).
%%
%% usage: ERL_EPMD_PORT=P escript operate.escript ENODE
%% Nothing may listen on P when it starts: the enode node serves EPMD there.
-mode(compile).

main([Enode]) ->
    logger:set_primary_config(level, error),
    Dir = filename:dirname(escript:script_name()),
    Common = filename:join([Dir, "..", "common", "enode_it.erl"]),
    {ok, enode_it, Bin} = compile:file(Common, [binary, report_errors]),
    {module, enode_it} = code:load_binary(enode_it, Common, Bin),
    EpmdPort = enode_it:fresh_epmd_port("operate"),
    Suffix = integer_to_list(erlang:phash2({os:getpid(), erlang:monotonic_time()}, 100000)),
    Cookie = "o" ++ Suffix,
    Cpp = enode_it:start_program(Enode, ["run", "--sname", "cpp_" ++ Suffix, "--cookie", Cookie], "enode "),
    {ok, _} = net_kernel:start([list_to_atom("t010_" ++ Suffix), shortnames]),
    erlang:set_cookie(node(), list_to_atom(Cookie)),
    io:format("operate (OTP ~s): EPMD port ~b, enode node ~s~n", [erlang:system_info(otp_release), EpmdPort, Cpp]),
    Ctx = #{enode => Enode, cpp => Cpp, cookie => Cookie, suffix => Suffix},
    Failed = enode_it:run_checks("operate", [{Name, fun() -> F(Ctx) end} || {Name, F} <- checks()]),
    enode_it:kill_all(),
    halt(case Failed of [] -> 0; _ -> 1 end).

checks() ->
    [{sys_get_status, fun get_status/1},
     {sys_get_and_replace_state, fun get_and_replace_state/1},
     {sys_suspend_resume_around_a_call, fun suspend_resume/1},
     {sys_statistics_log_trace, fun debug/1},
     {gen_server_stop_returns_ok, fun stop/1},
     {supervisor_calls, fun supervisor_calls/1},
     {processes_and_process_info, fun process_info/1},
     {memory_system_info_statistics, fun system/1},
     {clocks_os_net, fun clocks/1},
     {apply_reaches_served_functions, fun apply/1},
     {unserved_is_undef, fun undef/1},
     {init_stop_and_halt_stop_the_node, fun stopping/1}].

%% --- sys ------------------------------------------------------------------------------------

get_status(#{cpp := Cpp}) ->
    {status, Pid, {module, gen_server}, [PDict, running, Parent, [], Formatted]} = sys:get_status({kv, Cpp}),
    Cpp = node(Pid),
    Cpp = node(Parent),
    {'$initial_call', {_, init, 1}} = lists:keyfind('$initial_call', 1, PDict),
    {'$ancestors', [enode_demo_sup]} = lists:keyfind('$ancestors', 1, PDict),
    [{header, "Status for generic server kv"},
     {data, [{"Status", running}, {"Parent", Parent}, {"Logged events", []}]},
     {data, [{"State", State}]}] = Formatted,
    true = is_map(State),
    ok.

get_and_replace_state(#{cpp := Cpp}) ->
    ok = gen_server:call({kv, Cpp}, {put, a, 1}),
    #{a := 1} = sys:get_state({kv, Cpp}),
    %% The function runs here, on the caller's node; the server takes its result.
    #{a := 1, b := 2} = sys:replace_state({kv, Cpp}, fun(M) -> M#{b => 2} end),
    {ok, 2} = gen_server:call({kv, Cpp}, {get, b}),
    %% A result that does not convert, and a function that fails: the state is kept.
    {'EXIT', {{callback_failed, {gen_server, system_replace_state}, {error, {badmap, nope}}}, _}} =
        catch sys:replace_state({kv, Cpp}, fun(_) -> nope end),
    {'EXIT', {{callback_failed, {gen_server, system_replace_state}, {error, boom}}, _}} =
        catch sys:replace_state({kv, Cpp}, fun(_) -> error(boom) end),
    #{b := 2} = sys:get_state({kv, Cpp}),
    %% A server without a state of its own shows a stand-in naming its class.
    {cpp_object, Class} = sys:get_state({echo, Cpp}),
    true = is_binary(Class),
    ok.

suspend_resume(#{cpp := Cpp}) ->
    ok = sys:suspend({kv, Cpp}),
    {status, _, _, [_, suspended | _]} = sys:get_status({kv, Cpp}),
    Self = self(),
    Caller = spawn(fun() -> Self ! {answer, self(), gen_server:call({kv, Cpp}, {put, s, 1})} end),
    %% The call waits in the server's mailbox, unanswered, while system messages are served.
    Kv = rpc:call(Cpp, erlang, whereis, [kv]),
    ok = enode_it:wait_until(fun() -> {message_queue_len, 1} =:= rpc:call(Cpp, erlang, process_info, [Kv, message_queue_len]) end, 10000),
    [{'$gen_call', {Caller, _}, {put, s, 1}}] =
        element(2, rpc:call(Cpp, erlang, process_info, [Kv, messages])),
    ok = sys:resume({kv, Cpp}),
    receive {answer, Caller, ok} -> ok after 10000 -> error(no_answer_after_resume) end,
    {status, _, _, [_, running | _]} = sys:get_status({kv, Cpp}),
    ok.

debug(#{cpp := Cpp}) ->
    {ok, no_statistics} = sys:statistics({kv, Cpp}, get),
    ok = sys:statistics({kv, Cpp}, true),
    ok = sys:log({kv, Cpp}, true),
    ok = sys:trace({kv, Cpp}, true),
    {ok, 1} = gen_server:call({kv, Cpp}, {get, a}),
    {ok, [{start_time, {{_, _, _}, {_, _, _}}}, {current_time, {{_, _, _}, {_, _, _}}}, {reductions, R},
          {messages_in, 1}, {messages_out, 1}]} = sys:statistics({kv, Cpp}, get),
    true = is_integer(R),
    {ok, [{in, {'$gen_call', {Me, _}, {get, a}}}, {out, {ok, 1}, {Me, _}, #{a := 1}}]} = sys:log({kv, Cpp}, get),
    Me = self(),
    {status, _, _, [_, running, _, Debug, [_, {data, [_, _, {"Logged events", [_, _]}]} | _]]} =
        sys:get_status({kv, Cpp}),
    true = Debug =/= [],
    ok = sys:trace({kv, Cpp}, false),
    ok = sys:log({kv, Cpp}, false),
    ok = sys:statistics({kv, Cpp}, false),
    {ok, unknown_debug} = gen:call({kv, Cpp}, system, {debug, nonsense}),
    {ok, {error, {unknown_system_msg, nonsense}}} = gen:call({kv, Cpp}, system, nonsense),
    ok.

stop(#{cpp := Cpp}) ->
    Old = rpc:call(Cpp, erlang, whereis, [echo]),
    ok = gen_server:stop({echo, Cpp}),
    %% The supervisor starts it again (permanent).
    ok = enode_it:wait_until(fun() ->
        case rpc:call(Cpp, erlang, whereis, [echo]) of P when is_pid(P), P =/= Old -> true; _ -> false end
    end, 10000),
    ok = sys:terminate({echo, Cpp}, normal),
    ok.

%% --- the supervisor ----------------------------------------------------------------------------------

supervisor_calls(#{cpp := Cpp}) ->
    Sup = {enode_demo_sup, Cpp},
    ok = enode_it:wait_until(fun() -> is_pid(rpc:call(Cpp, erlang, whereis, [echo])) end, 10000),
    [{kv, Kv, worker, _}, {echo, Echo, worker, _}] = supervisor:which_children(Sup),
    Cpp = node(Kv), Cpp = node(Echo),
    [{specs, 2}, {active, 2}, {supervisors, 0}, {workers, 2}] = supervisor:count_children(Sup),
    {ok, #{id := kv, restart := permanent, shutdown := 5000, type := worker, significant := false,
           start := {_, _, _}, modules := _}} = supervisor:get_childspec(Sup, kv),
    {error, not_found} = supervisor:get_childspec(Sup, nope),
    {error, running} = supervisor:delete_child(Sup, echo),
    ok = supervisor:terminate_child(Sup, echo),
    [{kv, Kv, worker, _}, {echo, undefined, worker, _}] = supervisor:which_children(Sup),
    {ok, Echo2} = supervisor:restart_child(Sup, echo),
    Cpp = node(Echo2),
    {error, running} = supervisor:restart_child(Sup, echo),
    ok = supervisor:terminate_child(Sup, echo),
    ok = supervisor:delete_child(Sup, echo),
    [{kv, Kv, worker, _}] = supervisor:which_children(Sup),
    {error, not_found} = supervisor:terminate_child(Sup, echo),
    {status, _, {module, gen_server}, [_, running, _, [], [{header, "Status for generic server enode_demo_sup"} | _]]} =
        sys:get_status(Sup),
    ok.

%% --- what tooling asks ---------------------------------------------------------------------------------

process_info(#{cpp := Cpp}) ->
    Ps = rpc:call(Cpp, erlang, processes, []),
    true = length(Ps) >= 5,
    true = lists:all(fun(P) -> is_pid(P) andalso node(P) =:= Cpp end, Ps),
    Kv = rpc:call(Cpp, erlang, whereis, [kv]),
    Sup = rpc:call(Cpp, erlang, whereis, [enode_demo_sup]),
    true = lists:member(Kv, Ps),
    Info = rpc:call(Cpp, erlang, process_info, [Kv]),
    [registered_name, current_function, initial_call, status, message_queue_len, links, dictionary, trap_exit,
     priority, group_leader, reductions] = [K || {K, _} <- Info],
    {registered_name, kv} = lists:keyfind(registered_name, 1, Info),
    {initial_call, {proc_lib, init_p, 5}} = lists:keyfind(initial_call, 1, Info),
    {links, [Sup]} = lists:keyfind(links, 1, Info),
    {status, waiting} = lists:keyfind(status, 1, Info),
    [{message_queue_len, 0}, {trap_exit, false}, {memory, Mem}, {monitored_by, []}, {monitors, []},
     {current_function, {_, init, 1}}, {group_leader, Gl}, {reductions, Reds}] =
        rpc:call(Cpp, erlang, process_info,
                 [Kv, [message_queue_len, trap_exit, memory, monitored_by, monitors, current_function,
                       group_leader, reductions]]),
    true = is_integer(Mem) andalso Mem > 0,
    true = is_integer(Reds) andalso Reds > 0,
    Cpp = node(Gl),
    {links, SupLinks} = rpc:call(Cpp, erlang, process_info, [Sup, links]),
    true = lists:member(Kv, SupLinks),
    {trap_exit, true} = rpc:call(Cpp, erlang, process_info, [Sup, trap_exit]),
    %% A process without a name: a bare [], as BEAM answers; one of them, all its items.
    Unnamed = hd([P || P <- Ps, rpc:call(Cpp, erlang, process_info, [P, registered_name]) =:= []]),
    {status, _} = rpc:call(Cpp, erlang, process_info, [Unnamed, status]),
    %% A dead local pid is undefined; a pid of another node and an unknown item are badarg.
    Dead = rpc:call(Cpp, enode_demo, spawn_echo, []),
    Dead ! {exit, normal},
    ok = enode_it:wait_until(fun() -> undefined =:= rpc:call(Cpp, erlang, process_info, [Dead]) end, 10000),
    undefined = rpc:call(Cpp, erlang, process_info, [Dead, status]),
    {badrpc, {'EXIT', {badarg, _}}} = rpc:call(Cpp, erlang, process_info, [self(), status]),
    {badrpc, {'EXIT', {badarg, _}}} = rpc:call(Cpp, erlang, process_info, [Kv, no_such_item]),
    ok.

system(#{cpp := Cpp}) ->
    Mem = rpc:call(Cpp, erlang, memory, []),
    [total, processes, processes_used, system, atom, atom_used, code, ets] = [K || {K, _} <- Mem],
    true = lists:all(fun({_, V}) -> is_integer(V) andalso V >= 0 end, Mem),
    {total, T} = lists:keyfind(total, 1, Mem),
    true = T > 0,
    true = is_integer(rpc:call(Cpp, erlang, memory, [total])),
    [{processes, P}, {ets, 0}] = rpc:call(Cpp, erlang, memory, [[processes, ets]]),
    true = P > 0,
    {badrpc, {'EXIT', {badarg, _}}} = rpc:call(Cpp, erlang, memory, [binary]),
    N = rpc:call(Cpp, erlang, system_info, [process_count]),
    true = is_integer(N) andalso N >= 5,
    true = rpc:call(Cpp, erlang, system_info, [process_limit]) > N,
    S = rpc:call(Cpp, erlang, system_info, [schedulers]),
    S = rpc:call(Cpp, erlang, system_info, [schedulers_online]),
    true = is_integer(S) andalso S >= 1,
    true = is_integer(rpc:call(Cpp, erlang, system_info, [atom_count])),
    {unix, linux} = rpc:call(Cpp, erlang, system_info, [os_type]),
    true = io_lib:printable_list(rpc:call(Cpp, erlang, system_info, [system_architecture])),
    {badrpc, {'EXIT', {badarg, _}}} = rpc:call(Cpp, erlang, system_info, [otp_release]),
    {badrpc, {'EXIT', {badarg, _}}} = rpc:call(Cpp, erlang, system_info, [no_such_item]),
    Rq = rpc:call(Cpp, erlang, statistics, [run_queue]),
    true = is_integer(Rq) andalso Rq >= 0,
    true = is_integer(rpc:call(Cpp, erlang, statistics, [total_run_queue_lengths])),
    {Wall, _} = rpc:call(Cpp, erlang, statistics, [wall_clock]),
    true = is_integer(Wall) andalso Wall >= 0,
    {Cpu, _} = rpc:call(Cpp, erlang, statistics, [runtime]),
    true = is_integer(Cpu),
    {{input, In}, {output, Out}} = rpc:call(Cpp, erlang, statistics, [io]),
    true = In > 0 andalso Out > 0,
    {R1, _} = rpc:call(Cpp, erlang, statistics, [reductions]),
    {R2, _} = rpc:call(Cpp, erlang, statistics, [reductions]),
    true = R2 >= R1,
    ok.

clocks(#{cpp := Cpp}) ->
    Here = erlang:system_time(millisecond),
    There = rpc:call(Cpp, erlang, system_time, [millisecond]),
    true = abs(There - Here) < 60000, % the same machine's clock, give or take the call
    true = is_integer(rpc:call(Cpp, erlang, system_time, [])),
    M1 = rpc:call(Cpp, erlang, monotonic_time, []),
    M2 = rpc:call(Cpp, erlang, monotonic_time, []),
    true = M2 >= M1,
    true = is_integer(rpc:call(Cpp, erlang, monotonic_time, [second])),
    OsPid = rpc:call(Cpp, os, getpid, []),
    OsPid = enode_it:os_pid(Cpp),
    {unix, linux} = rpc:call(Cpp, os, type, []),
    Host = rpc:call(Cpp, net_adm, localhost, []),
    [_, Host] = string:tokens(atom_to_list(Cpp), "@"),
    60 = rpc:call(Cpp, net_kernel, get_net_ticktime, []),
    ok.

apply(#{cpp := Cpp}) ->
    3 = rpc:call(Cpp, erlang, apply, [enode_demo, add, [1, 2]]),
    3 = rpc:call(Cpp, erlang, apply, [fun enode_demo:add/2, [1, 2]]),
    Cpp = erpc:call(Cpp, fun erlang:node/0),
    {badrpc, {'EXIT', {undef, _}}} = rpc:call(Cpp, erlang, apply, [enode_demo, nope, []]),
    {badrpc, {'EXIT', {{badfun, _}, _}}} = rpc:call(Cpp, erlang, apply, [fun() -> ok end, []]),
    ok.

undef(#{cpp := Cpp}) ->
    {badrpc, {'EXIT', {undef, [{observer_backend, sys_info, [], _}]}}} = rpc:call(Cpp, observer_backend, sys_info, []),
    {badrpc, {'EXIT', {undef, _}}} = rpc:call(Cpp, erlang, not_a_bif, []),
    ok.

%% init:stop answers ok and the node stops; erlang:halt(Status) does not answer (the
%% connection goes) and the program exits with Status, as erl_call -q expects.
stopping(#{enode := Enode, cookie := Cookie, suffix := Suffix}) ->
    A = enode_it:start_program(Enode, ["run", "--sname", "stop_a_" ++ Suffix, "--cookie", Cookie], "enode "),
    ok = rpc:call(A, init, stop, []),
    0 = enode_it:wait_exit(A),
    B = enode_it:start_program(Enode, ["run", "--sname", "stop_b_" ++ Suffix, "--cookie", Cookie], "enode "),
    {badrpc, nodedown} = rpc:call(B, erlang, halt, [3]),
    3 = enode_it:wait_exit(B),
    pang = net_adm:ping(B),
    ok.
