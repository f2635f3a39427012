#!/usr/bin/env escript
%%! -noshell
%% enode as a distributed node, asserted from a real BEAM node: EPMD (embedded, then
%% handed over), ping both ways, every term type through `echo`, ordering, a 64 MiB
%% binary, links, monitors and exits in both directions, node loss on either side,
%% wrong cookies, garbage on the listen and EPMD ports, global, hidden nodes, ticks.
%%
%% usage: ERL_EPMD_PORT=P escript distribution.escript ENODE ENODE_DIST_PEER [SEED]
%% Nothing may listen on P when it starts: the first enode node serves EPMD there.
-mode(compile).

-define(T, 60000).

main([Enode, Peer | SeedArg]) ->
    logger:set_primary_config(level, error),
    Dir = filename:dirname(escript:script_name()),
    Common = filename:join([Dir, "..", "common", "enode_it.erl"]),
    {ok, enode_it, Bin} = compile:file(Common, [binary, report_errors]),
    {module, enode_it} = code:load_binary(enode_it, Common, Bin),
    [enode_it:load(filename:join([Dir, F])) || F <- ["t005_srv.erl", "../t001_etf_differential/etf_gen.erl"]],
    Seed = etf_gen:pick_seed(SeedArg),
    EpmdPort = enode_it:fresh_epmd_port("distribution"),
    Suffix = integer_to_list(erlang:phash2({os:getpid(), erlang:monotonic_time()}, 100000)),
    Cookie = "c" ++ Suffix,
    ets:new(t005, [named_table, public]), % what the checks (each its own process) share
    Ctx = #{enode => Enode, peer => Peer, suffix => Suffix, cookie => Cookie, epmd => EpmdPort,
            seed => Seed, dir => Dir, host => enode_it:short_host()},
    io:format("distribution (OTP ~s): seed ~b, EPMD port ~b~n", [erlang:system_info(otp_release), Seed, EpmdPort]),
    %% The first enode node finds no EPMD and serves it; this node then registers there.
    Cpp = start_enode(Ctx, run, "cpp_" ++ Suffix, []),
    {ok, _} = net_kernel:start([list_to_atom("t005_" ++ Suffix), shortnames]),
    erlang:set_cookie(node(), list_to_atom(Cookie)),
    Ctx1 = Ctx#{cpp => Cpp},
    Failed = enode_it:run_checks("distribution", [{Name, fun() -> F(Ctx1) end} || {Name, F} <- checks()]),
    enode_it:kill_all(), % whatever is still running goes (a failed check may leave nodes behind)
    halt(case Failed of [] -> 0; _ -> 1 end).

checks() ->
    [{epmd_embedded, fun epmd_embedded/1},
     {ping_beam_to_enode, fun ping_beam_to_enode/1},
     {ping_enode_to_beam, fun ping_enode_to_beam/1},
     {echo_every_term_type, fun echo_terms/1},
     {messages_in_order, fun messages_in_order/1},
     {binary_64mib, fun binary_64mib/1},
     {links_beam_to_enode, fun links_beam_to_enode/1},
     {monitors_beam_to_enode, fun monitors_beam_to_enode/1},
     {links_enode_to_beam, fun links_enode_to_beam/1},
     {monitors_enode_to_beam, fun monitors_enode_to_beam/1},
     {calls_enode_to_beam, fun calls_enode_to_beam/1},
     {global_works, fun global_works/1},
     {hidden_node, fun hidden_node/1},
     {wrong_cookie, fun wrong_cookie/1},
     {garbage_listen_port, fun garbage_listen_port/1},
     {garbage_epmd_port, fun garbage_epmd_port/1},
     {beam_node_killed, fun beam_node_killed/1},
     {ticks_detect_silent_peer, fun ticks/1},
     {enode_node_killed, fun enode_node_killed/1},
     {enode_stops_on_sigterm, fun enode_sigterm/1},
     {epmd_handover, fun epmd_handover/1}].

%% --- the checks ------------------------------------------------------------------------

epmd_embedded(#{cpp := Cpp, suffix := S} = Ctx) ->
    {ok, Names} = erl_epmd:names(),
    true = lists:keymember("cpp_" ++ S, 1, Names),
    true = lists:keymember("t005_" ++ S, 1, Names),
    Out = enode_cmd(Ctx, ["names"]),
    {match, _} = re:run(Out, "name t005_" ++ S ++ " at port"),
    {match, _} = re:run(Out, "name " ++ atom_to_list(node_alive(Cpp)) ++ " at port"),
    ok.

ping_beam_to_enode(#{cpp := Cpp}) ->
    pong = net_adm:ping(Cpp),
    true = lists:member(Cpp, nodes()),
    ok.

ping_enode_to_beam(#{cookie := C} = Ctx) ->
    {"pong\n", 0} = enode_cmd_status(Ctx, ["ping", atom_to_list(node()), "--cookie", C]),
    % pang, after the reason on standard error (the command's output is both)
    {Nobody, 1} = enode_cmd_status(Ctx, ["ping", "nobody_here@" ++ maps:get(host, Ctx), "--cookie", C]),
    true = lists:suffix("\npang\n", Nobody),
    true = string:find(Nobody, "EPMD does not know the node") =/= nomatch,
    ok.

echo_terms(#{cpp := Cpp, seed := Seed}) ->
    etf_gen:seed(Seed),
    Bad = [T || T <- [etf_gen:term() || _ <- lists:seq(1, 1500)],
                not (gen_server:call({echo, Cpp}, T, ?T) =:= T andalso
                     echo_message(Cpp, T) =:= T andalso echo_cast(Cpp, T) =:= T)],
    case Bad of
        [] -> ok;
        [First | _] -> error({not_echoed, length(Bad), First})
    end.

echo_message(Cpp, T) ->
    {echo, Cpp} ! {self(), {msg, T}},
    receive {msg, X} -> X after ?T -> error(no_echo) end.

echo_cast(Cpp, T) ->
    gen_server:cast({echo, Cpp}, {reply_to, self(), {cast, T}}),
    receive {cast, X} -> X after ?T -> error(no_cast_reply) end.

messages_in_order(#{cpp := Cpp}) ->
    N = enode_it:scaled(100000, 10000),
    Self = self(),
    Sender = spawn_link(fun() -> [{echo, Cpp} ! {Self, {seq, I}} || I <- lists:seq(1, N)] end),
    true = is_pid(Sender),
    recv_seq(1, N).

recv_seq(I, N) when I > N -> ok;
recv_seq(I, N) ->
    receive
        {seq, I} -> recv_seq(I + 1, N);
        {seq, J} -> error({out_of_order, expected, I, got, J})
    after ?T -> error({missing, I})
    end.

binary_64mib(#{cpp := Cpp}) ->
    %% 64 MiB, and {B, B} over the 64 MiB the reader reserves up front; 8 MiB (still
    %% fragmented, still read piece by piece) where the scale is small.
    B = rand:bytes(enode_it:scaled(64, 8) bsl 20),
    B = gen_server:call({echo, Cpp}, B, 120000),
    %% Other traffic keeps flowing while a large message crosses.
    Self = self(),
    spawn_link(fun() -> Self ! {big, gen_server:call({echo, Cpp}, {B, B}, 120000) =:= {B, B}} end),
    [{small, I} = gen_server:call({echo, Cpp}, {small, I}, ?T) || I <- lists:seq(1, 100)],
    receive {big, true} -> ok after 120000 -> error(big_message_lost) end.

links_beam_to_enode(Ctx) ->
    %% A trapping BEAM process linked to a C++ process sees its exit reason.
    [begin
         W = worker(Ctx),
         B = beam_proc(true),
         ok = beam_do(B, {link, W}),
         W ! {exit, R},
         {'EXIT', W, R} = beam_got(B)
     end || R <- [normal, boom, {shutdown, x}]],
    %% kill: the C++ process ends with `killed`, and so says the link.
    W1 = worker(Ctx),
    B1 = beam_proc(true),
    ok = beam_do(B1, {link, W1}),
    exit(W1, kill),
    {'EXIT', W1, killed} = beam_got(B1),
    %% A non-trapping BEAM process dies of an abnormal exit, not of a normal one.
    W2 = worker(Ctx),
    B2 = beam_proc(false),
    ok = beam_do(B2, {link, W2}),
    Ref = monitor(process, B2),
    W2 ! {exit, boom},
    {'DOWN', Ref, process, B2, boom} = recv_down(Ref),
    W3 = worker(Ctx),
    exit(W3, normal),
    ok = do(W3, {trap_exit, false}), % still alive
    %% Linking to a C++ process that is gone: noproc.
    W4 = worker(Ctx),
    W4 ! {exit, normal},
    wait_dead(W4),
    B4 = beam_proc(true),
    ok = beam_do(B4, {link, W4}),
    {'EXIT', W4, noproc} = beam_got(B4),
    ok.

monitors_beam_to_enode(#{cpp := Cpp} = Ctx) ->
    [begin
         W = worker(Ctx),
         Ref = monitor(process, W),
         case R of killed -> exit(W, kill); _ -> W ! {exit, R} end,
         {'DOWN', Ref, process, W, R} = recv_down(Ref)
     end || R <- [normal, boom, killed]],
    W = worker(Ctx),
    W ! {exit, normal},
    wait_dead(W),
    R1 = monitor(process, W),
    {'DOWN', R1, process, W, noproc} = recv_down(R1),
    R2 = monitor(process, {nosuch, Cpp}),
    {'DOWN', R2, process, {nosuch, Cpp}, noproc} = recv_down(R2),
    R3 = monitor(process, {echo, Cpp}),
    true = demonitor(R3, [flush]),
    ok.

links_enode_to_beam(Ctx) ->
    [begin
         W = worker(Ctx),
         ok = do(W, {trap_exit, true}),
         B = beam_proc(false),
         ok = do(W, {link, B}),
         case R of killed -> exit(B, kill); _ -> B ! {exit, R} end,
         {'EXIT', B, R} = got(W)
     end || R <- [normal, boom, killed]],
    %% A non-trapping C++ process dies of its BEAM link's abnormal exit.
    W1 = worker(Ctx),
    B1 = beam_proc(false),
    ok = do(W1, {link, B1}),
    Ref = monitor(process, W1),
    B1 ! {exit, boom},
    {'DOWN', Ref, process, W1, boom} = recv_down(Ref),
    %% After unlink, nothing arrives.
    W2 = worker(Ctx),
    ok = do(W2, {trap_exit, true}),
    B2 = beam_proc(false),
    ok = do(W2, {link, B2}),
    ok = do(W2, {unlink, B2}),
    B2 ! {exit, boom},
    wait_dead(B2),
    ok = do(W2, {trap_exit, true}),
    nothing = got_nothing(W2),
    %% exit/2 from C++: a trapping BEAM process gets a message, a plain one dies.
    W3 = worker(Ctx),
    B3 = beam_proc(true),
    ok = do(W3, {exit_signal, B3, boom}),
    {'EXIT', W3, boom} = beam_got(B3),
    B4 = beam_proc(false),
    R4 = monitor(process, B4),
    ok = do(W3, {exit_signal, B4, kill}),
    {'DOWN', R4, process, B4, killed} = recv_down(R4),
    ok.

monitors_enode_to_beam(Ctx) ->
    [begin
         W = worker(Ctx),
         B = beam_proc(false),
         Ref = do(W, {monitor, B}),
         case R of killed -> exit(B, kill); _ -> B ! {exit, R} end,
         {'DOWN', Ref, process, B, R} = got(W)
     end || R <- [normal, boom, killed]],
    W = worker(Ctx),
    B = beam_proc(false),
    register(t005_named, B),
    Ref = do(W, {monitor, {t005_named, node()}}),
    B ! {exit, bye},
    {'DOWN', Ref, process, {t005_named, Node}, bye} = got(W),
    Node = node(),
    Ref2 = do(W, {monitor, {t005_nobody, node()}}),
    {'DOWN', Ref2, process, {t005_nobody, Node}, noproc} = got(W),
    B3 = beam_proc(false),
    Ref3 = do(W, {monitor, B3}),
    true = do(W, {demonitor, Ref3}),
    B3 ! {exit, boom},
    wait_dead(B3),
    nothing = got_nothing(W),
    ok.

calls_enode_to_beam(Ctx) ->
    {ok, Srv} = t005_srv:start(t005_srv),
    W = worker(Ctx),
    {reply_from_beam, hello} = do(W, {call, {t005_srv, node()}, hello, 5000}),
    {reply_from_beam, 42} = do(W, {call, Srv, 42, 5000}),
    {'EXIT', {noproc, _}} = do(W, {call, {t005_nobody, node()}, hello, 5000}),
    gen_server:stop(Srv),
    ok.

global_works(#{cpp := Cpp}) ->
    Self = self(),
    spawn_link(fun() -> Self ! {synced, global:sync()} end),
    receive {synced, ok} -> ok after 30000 -> error(global_sync_blocked) end,
    yes = global:register_name(t005_global, self()),
    Self = global:whereis_name(t005_global),
    _ = global:unregister_name(t005_global),
    true = global:set_lock({t005_lock, self()}, [node(), Cpp]),
    true = global:del_lock({t005_lock, self()}, [node(), Cpp]),
    ok.

hidden_node(Ctx) ->
    H = start_enode(Ctx, run, "cpp_hidden_" ++ maps:get(suffix, Ctx), ["--hidden"]),
    pong = net_adm:ping(H),
    false = lists:member(H, nodes()),
    true = lists:member(H, nodes(hidden)),
    stop_enode(H),
    ok.

wrong_cookie(#{suffix := S, cookie := C} = Ctx) ->
    Other = start_enode(Ctx#{cookie := "other" ++ S}, run, "cpp_cookie_" ++ S, []),
    pang = net_adm:ping(Other),                       % our cookie is refused there
    {Refused, 1} = enode_cmd_status(Ctx, ["ping", atom_to_list(node()), "--cookie", "wrong"]),
    true = lists:suffix("\npang\n", Refused),                  % and says why
    true = string:find(Refused, "probably a cookie mismatch") =/= nomatch,
    erlang:set_cookie(Other, list_to_atom("other" ++ S)),
    pong = net_adm:ping(Other),                       % and the node still serves
    pong = net_adm:ping(maps:get(cpp, Ctx)),
    {"pong\n", 0} = enode_cmd_status(Ctx, ["ping", atom_to_list(node()), "--cookie", C]),
    stop_enode(Other),
    ok.

garbage_listen_port(#{cpp := Cpp}) ->
    {port, Port, _} = erl_epmd:port_please(atom_to_list(node_alive(Cpp)), "127.0.0.1"),
    Garbage = [<<"GET / HTTP/1.0\r\n\r\n">>,
               <<0, 5, $N, 1, 2, 3, 4>>,                       % a short send_name
               <<255, 255, 0, 0>>,                             % a length and nothing
               <<0, 21, $r, 0:160>>,                           % a reply out of turn
               rand:bytes(4096)],
    [closed = send_and_wait_close(Port, G, 15000) || G <- Garbage],
    closed = send_and_wait_close(Port, <<>>, 20000),           % silent: dropped after the setup time
    pong = net_adm:ping(Cpp),
    {x, 1} = gen_server:call({echo, Cpp}, {x, 1}),
    ok.

garbage_epmd_port(#{epmd := EpmdPort, cpp := Cpp} = Ctx) ->
    [closed = send_and_wait_close(EpmdPort, G, 15000)
     || G <- [<<0, 3, 99, 1, 2>>, <<0, 0>>, <<"garbage garbage">>, <<0, 40, 120, 1>>]],
    {ok, Names} = erl_epmd:names(),
    true = lists:keymember(atom_to_list(node_alive(Cpp)), 1, Names),
    {match, _} = re:run(enode_cmd(Ctx, ["names"]), "name t005_"),
    pong = net_adm:ping(Cpp),
    ok.

beam_node_killed(#{suffix := S, cookie := C} = Ctx) ->
    {PNode, OsPid} = start_beam(Ctx, "beam_" ++ S, []),
    Q = spawn(PNode, timer, sleep, [infinity]),
    W1 = worker(Ctx),
    ok = do(W1, {trap_exit, true}),
    ok = do(W1, {link, Q}),
    W2 = worker(Ctx),
    Ref = do(W2, {monitor, Q}),
    W3 = worker(Ctx),
    true = do(W3, {monitor_node, PNode}),
    _ = C,
    os:cmd("kill -9 " ++ OsPid),
    {'EXIT', Q, noconnection} = got(W1),
    {'DOWN', Ref, process, Q, noconnection} = got(W2),
    {nodedown, PNode} = got(W3),
    ok.

ticks(#{suffix := S} = Ctx) ->
    %% A peer that stops answering (SIGSTOP) is declared down after net_ticktime.
    {PNode, OsPid} = start_beam(Ctx, "silent_" ++ S, ["-kernel", "net_ticktime", "4"]),
    W = worker(Ctx, ["--ticktime", "4"], "cpp_tick_" ++ S),
    true = do(W, {monitor_node, PNode}),
    os:cmd("kill -STOP " ++ OsPid),
    T0 = erlang:monotonic_time(millisecond),
    {nodedown, PNode} = got(W, 30000),
    Took = erlang:monotonic_time(millisecond) - T0,
    os:cmd("kill -9 " ++ OsPid),
    io:format("  silent peer declared down after ~b ms (net_ticktime 4 s)~n", [Took]),
    ok.

enode_node_killed(#{suffix := S} = Ctx) ->
    {K, OsPid} = start_peer(Ctx, "cpp_kill_" ++ S, []),
    net_kernel:monitor_nodes(true),
    pong = net_adm:ping(K),
    receive {nodeup, K} -> ok after ?T -> error(no_nodeup) end,
    true = erlang:monitor_node(K, true),
    Ref = monitor(process, {ctl, K}),
    W = worker(K),
    B = beam_proc(true),
    ok = beam_do(B, {link, W}),
    os:cmd("kill -9 " ++ OsPid),
    {'DOWN', Ref, process, {ctl, K}, noconnection} = recv_down(Ref),
    receive {nodedown, K} -> ok after ?T -> error(no_monitor_node_nodedown) end,
    receive {nodedown, K} -> ok after ?T -> error(no_monitor_nodes_nodedown) end,
    {'EXIT', W, noconnection} = beam_got(B),
    net_kernel:monitor_nodes(false),
    ok.

enode_sigterm(#{suffix := S} = Ctx) ->
    N = start_enode(Ctx, run, "cpp_term_" ++ S, []),
    pong = net_adm:ping(N),
    true = erlang:monitor_node(N, true),
    Ref = monitor(process, {echo, N}),
    sync = gen_server:call({echo, N}, sync), % the monitor is in place before the signal
    OsPid = enode_it:os_pid(N),
    os:cmd("kill -TERM " ++ OsPid),
    {'DOWN', Ref, process, {echo, N}, Why} = recv_down(Ref),
    shutdown = Why, % the exit signal crossed before the connection closed
    receive {nodedown, N} -> ok after ?T -> error(no_nodedown) end,
    0 = enode_it:wait_exit(N),
    {ok, Names} = erl_epmd:names(),
    false = lists:keymember("cpp_term_" ++ S, 1, Names),
    ok.

epmd_handover(#{cpp := Cpp, epmd := EpmdPort} = Ctx) ->
    %% The node serving EPMD stops; this node's registration survives it.
    os:cmd("kill -TERM " ++ enode_it:os_pid(Cpp)),
    0 = enode_it:wait_exit(Cpp),
    {ok, Names} = erl_epmd:names(),
    true = lists:keymember("t005_" ++ maps:get(suffix, Ctx), 1, Names),
    false = lists:keymember(atom_to_list(node_alive(Cpp)), 1, Names),
    %% A new enode node registers with the successor, and is reachable.
    N = start_enode(Ctx, run, "cpp_after_" ++ maps:get(suffix, Ctx), []),
    pong = net_adm:ping(N),
    stop_enode(N),
    %% The successor ends with the last registration.
    [catch begin os:cmd("kill -TERM " ++ enode_it:os_pid(P)), enode_it:wait_exit(P) end || P <- enode_it:programs()],
    net_kernel:stop(),
    enode_it:wait_until(fun() -> gen_tcp:connect("127.0.0.1", EpmdPort, [], 500) =/= ok andalso
                         element(1, gen_tcp:connect("127.0.0.1", EpmdPort, [], 500)) =:= error end, 10000),
    ok.

%% --- helpers ---------------------------------------------------------------------------

lookup(Key) ->
    case ets:lookup(t005, Key) of [{_, V}] -> V; [] -> undefined end.

node_alive(Node) -> list_to_atom(hd(string:tokens(atom_to_list(Node), "@"))).

%% Starts `enode run` (or the test peer) and waits for its ready line; the port stays with
%% a keeper process that prints the node's log lines.
start_enode(#{enode := Enode, cookie := C}, run, Name, Extra) ->
    enode_it:start_program(Enode, ["run", "--sname", Name, "--cookie", C | Extra], "enode ").

start_peer(#{peer := Peer, cookie := C}, Name, Extra) ->
    N = enode_it:start_program(Peer, ["--sname", Name, "--cookie", C | Extra], "ready "),
    {N, enode_it:os_pid(N)}.

stop_enode(Node) ->
    os:cmd("kill -TERM " ++ enode_it:os_pid(Node)),
    0 = enode_it:wait_exit(Node).

%% A BEAM node of our cookie, connected.
start_beam(#{cookie := C}, Name, Extra) ->
    Erl = os:find_executable("erl"),
    Self = self(),
    Port = spawn(fun() ->
        P = open_port({spawn_executable, Erl},
                      [{args, ["-sname", Name, "-setcookie", C, "-noshell", "-noinput" | Extra]},
                       exit_status, use_stdio, stderr_to_stdout]),
        Self ! {beam_port, self()},
        receive {P, {exit_status, _}} -> ok end
    end),
    receive {beam_port, Port} -> ok end,
    Node = list_to_atom(Name ++ "@" ++ enode_it:short_host()),
    enode_it:wait_until(fun() -> net_adm:ping(Node) =:= pong end, 20000),
    OsPid = rpc:call(Node, os, getpid, []),
    enode_it:remember_os_pid(Node, OsPid),
    {Node, OsPid}.

%% The C++ test peer's workers.
worker(#{} = Ctx) -> worker(Ctx, [], undefined);
worker(Node) when is_atom(Node) ->
    {ctl, Node} ! {self(), {spawn_worker, self()}},
    receive {worker, W} -> W after ?T -> error(no_worker) end.

worker(Ctx, Extra, Name0) ->
    Node = case {Extra, lookup(main_peer)} of
               {[], P} when is_atom(P), P =/= undefined -> P;
               _ ->
                   Name = case Name0 of undefined -> "cpp_peer_" ++ maps:get(suffix, Ctx); _ -> Name0 end,
                   {N, _} = start_peer(Ctx, Name, Extra),
                   case Extra of [] -> ets:insert(t005, {main_peer, N}); _ -> ok end,
                   N
           end,
    worker(Node).

do(W, Cmd) ->
    W ! Cmd,
    What = element(1, Cmd),
    receive {done, W, What, R} -> R after ?T -> error({no_answer, W, Cmd}) end.

got(W) -> got(W, ?T).
got(W, T) -> receive {got, W, M} -> M after T -> error({nothing_from, W}) end.

got_nothing(W) -> receive {got, W, M} -> error({unexpected, M}) after 500 -> nothing end.

beam_proc(Trap) ->
    Self = self(),
    spawn(fun() -> process_flag(trap_exit, Trap), beam_loop(Self) end).

beam_loop(Report) ->
    receive
        {do, From, {link, P}} -> link(P), From ! {beam_done, self()}, beam_loop(Report);
        {exit, R} -> exit(R);
        M -> Report ! {beam_got, self(), M}, beam_loop(Report)
    end.

beam_do(B, Cmd) ->
    B ! {do, self(), Cmd},
    receive {beam_done, B} -> ok after ?T -> error({beam_no_answer, Cmd}) end.

beam_got(B) -> receive {beam_got, B, M} -> M after ?T -> error({nothing_from_beam, B}) end.

recv_down(Ref) -> receive {'DOWN', Ref, _, _, _} = D -> D after ?T -> error({no_down, Ref}) end.

wait_dead(P) ->
    R = monitor(process, P),
    receive {'DOWN', R, _, _, _} -> ok after ?T -> error({still_alive, P}) end.

enode_cmd(Ctx, Args) -> element(1, enode_cmd_status(Ctx, Args)).

enode_cmd_status(#{enode := Enode}, Args) -> enode_it:cmd(Enode, Args).

send_and_wait_close(Port, Bytes, Timeout) ->
    {ok, S} = gen_tcp:connect("127.0.0.1", Port, [binary, {active, false}], 5000),
    ok = gen_tcp:send(S, Bytes),
    R = drain(S, erlang:monotonic_time(millisecond) + Timeout),
    gen_tcp:close(S),
    R.

drain(S, Deadline) ->
    Left = Deadline - erlang:monotonic_time(millisecond),
    case Left =< 0 of
        true -> still_open;
        false ->
            case gen_tcp:recv(S, 0, Left) of
                {ok, _} -> drain(S, Deadline);
                {error, closed} -> closed;
                {error, econnreset} -> closed;
                {error, timeout} -> still_open
            end
    end.
