#!/usr/bin/env escript
%%! -noshell
%% The distribution benchmark (scripts/bench-dist): each workload between two BEAM nodes
%% and with enode on one side or both, in one run, best of --runs.
%%
%% usage: ERL_EPMD_PORT=P escript dist_bench.escript ENODE_BENCH_DIST_PEER [--runs N] [--scale F]
%%                                                  [--only SUBSTRING]
-mode(compile).

main([Peer | Args]) ->
    {Runs, Scale, Only} = args(Args, 3, 1.0, ""),
    Dir = filename:dirname(escript:script_name()),
    {ok, Mod, Bin} = compile:file(filename:join(Dir, "dist_bench_beam.erl"), [binary, report_errors]),
    {module, Mod} = code:load_binary(Mod, "dist_bench_beam.erl", Bin),
    S = integer_to_list(erlang:phash2(os:getpid(), 100000)),
    Cookie = "bench" ++ S,
    Threads = os:getenv("ENODE_BENCH_THREADS", "0"),
    E1 = start_program(Peer, ["--sname", "enode1_" ++ S, "--cookie", Cookie, "--threads", Threads]), % serves EPMD
    E2 = start_program(Peer, ["--sname", "enode2_" ++ S, "--cookie", Cookie, "--threads", Threads]),
    {ok, _} = net_kernel:start([list_to_atom("bench_a_" ++ S), shortnames]),
    erlang:set_cookie(node(), list_to_atom(Cookie)),
    B = start_beam("bench_b_" ++ S, Cookie),
    {module, Mod} = rpc:call(B, code, load_binary, [Mod, "dist_bench_beam.erl", Bin]),
    ok = rpc:call(B, dist_bench_beam, start, []),
    ok = dist_bench_beam:start(),
    [pong = net_adm:ping(N) || N <- [E1, E2, B]],
    io:format("distribution benchmark: OTP ~s, ~b cores, best of ~b runs, scale ~p~n",
              [erlang:system_info(otp_release), erlang:system_info(logical_processors), Runs, Scale]),
    N = round(200000 * Scale),
    Small = {msg, 12345, abc, <<"0123456789">>},
    K1 = binary:copy(<<"x">>, 1024),
    M1 = binary:copy(<<"y">>, 1 bsl 20),
    Here = node(),
    Rows = [
      %% one-way throughput of small messages: messages/s
      {"small  BEAM->enode", "msg/s",
       fun() -> best(Runs, fun() -> blast_rate(Here, {sink, B}, N, Small) end) end,
       fun() -> best(Runs, fun() -> blast_rate(Here, {sink, E1}, N, Small) end) end},
      {"small  enode->BEAM", "msg/s",
       fun() -> best(Runs, fun() -> blast_rate(Here, {sink, B}, N, Small) end) end,
       fun() -> best(Runs, fun() -> blast_rate(E1, {sink, B}, N, Small) end) end},
      {"small  enode->enode", "msg/s",
       fun() -> best(Runs, fun() -> blast_rate(Here, {sink, B}, N, Small) end) end,
       fun() -> best(Runs, fun() -> blast_rate(E1, {sink, E2}, N, Small) end) end},
      %% many-to-one: 8 processes of this node sending to one sink
      {"small 8 BEAM->enode", "msg/s",
       fun() -> best(Runs, fun() -> fan_in_rate(8, {sink, B}, N, Small) end) end,
       fun() -> best(Runs, fun() -> fan_in_rate(8, {sink, E1}, N, Small) end) end},
      %% bulk: MB/s
      {"1KiB   BEAM->enode", "MB/s",
       fun() -> best(Runs, fun() -> mb(blast_rate(Here, {sink, B}, N div 10, K1), 1024) end) end,
       fun() -> best(Runs, fun() -> mb(blast_rate(Here, {sink, E1}, N div 10, K1), 1024) end) end},
      {"1KiB   enode->BEAM", "MB/s",
       fun() -> best(Runs, fun() -> mb(blast_rate(Here, {sink, B}, N div 10, K1), 1024) end) end,
       fun() -> best(Runs, fun() -> mb(blast_rate(E1, {sink, B}, N div 10, K1), 1024) end) end},
      {"1MiB   BEAM->enode", "MB/s",
       fun() -> best(Runs, fun() -> mb(blast_rate(Here, {sink, B}, max(20, N div 1000), M1), 1 bsl 20) end) end,
       fun() -> best(Runs, fun() -> mb(blast_rate(Here, {sink, E1}, max(20, N div 1000), M1), 1 bsl 20) end) end},
      {"1MiB   enode->BEAM", "MB/s",
       fun() -> best(Runs, fun() -> mb(blast_rate(Here, {sink, B}, max(20, N div 1000), M1), 1 bsl 20) end) end,
       fun() -> best(Runs, fun() -> mb(blast_rate(E1, {sink, B}, max(20, N div 1000), M1), 1 bsl 20) end) end}
    ],
    Lines = [row(Name, Unit, BeamF(), EnodeF()) || {Name, Unit, BeamF, EnodeF} <- Rows, string:find(Name, Only) =/= nomatch]
            ++ [L || Only =:= "" orelse string:find("call", Only) =/= nomatch, L <- calls(Runs, N div 20, B, E1)]
            ++ [L || Only =:= "" orelse string:find("erpc", Only) =/= nomatch, L <- erpc(Runs, N div 20, B, E1)]
            ++ [L || Only =:= "" orelse string:find("C++", Only) =/= nomatch, L <- cpp_calls(Runs, N div 20, B, E1)],
    io:format("~n~-22s ~14s ~14s ~-8s ~8s~n", ["workload", "BEAM-BEAM", "with enode", "unit", "ratio"]),
    [io:format("~s~n", [L]) || L <- Lines],
    io:format("~nratio: the enode case over the BEAM-BEAM one (higher is better; for latency, BEAM/enode)~n"),
    rpc:cast(B, erlang, halt, []), % the enode nodes stop when their standard input closes
    timer:sleep(200),
    halt(0).

args(["--runs", R | T], _, S, O) -> args(T, list_to_integer(R), S, O);
args(["--scale", F | T], R, _, O) -> args(T, R, list_to_float(F), O);
args(["--only", O | T], R, S, _) -> args(T, R, S, O);
args([], R, S, O) -> {R, S, O}.

best(Runs, F) -> lists:max([F() || _ <- lists:seq(1, Runs)]).
best_min(Runs, F) -> lists:min([F() || _ <- lists:seq(1, Runs)]).

mb(Rate, Size) -> Rate * Size / 1.0e6.

row(Name, Unit, Beam, Enode) ->
    io_lib:format("~-22s ~14.1f ~14.1f ~-8s ~7.2fx", [Name, float(Beam), float(Enode), Unit, Enode / Beam]).

%% Messages/s from a blaster on From's node to Dest, counted by Dest's sink.
blast_rate(FromNode, Dest, N, Msg) ->
    T0 = erlang:monotonic_time(microsecond),
    {blaster, FromNode} ! {blast, Dest, N, Msg, self()},
    receive {count, N} -> ok; {count, Other} -> error({lost, N - Other}) after 300000 -> error(timeout) end,
    N / ((erlang:monotonic_time(microsecond) - T0) / 1.0e6).

%% Messages/s from K processes of this node, N in all, to Dest, counted by Dest's sink
%% (asked once every sender is done: all of them share this node's one connection to it).
fan_in_rate(K, Dest, N, Msg) ->
    Self = self(),
    Each = N div K,
    T0 = erlang:monotonic_time(microsecond),
    Ps = [spawn_link(fun() -> dist_bench_beam:send_n(Dest, Each, Msg), Self ! {sent, self()} end)
          || _ <- lists:seq(1, K)],
    [receive {sent, P} -> ok end || P <- Ps],
    Dest ! {done, self()},
    Total = Each * K,
    receive {count, Total} -> ok; {count, Other} -> error({lost, Total - Other}) after 300000 -> error(timeout) end,
    Total / ((erlang:monotonic_time(microsecond) - T0) / 1.0e6).

%% gen_server calls from this node: to BEAM node B's echo and to enode's, one caller and 8.
calls(Runs, N, B, E) ->
    Req = {req, 42},
    Seq = fun(Node) -> best_min(Runs, fun() -> pct(dist_bench_beam:calls({echo, Node}, N, Req)) end) end,
    Par = fun(Node) ->
              best_min(Runs, fun() ->
                  Self = self(),
                  [spawn_link(fun() -> Self ! {lat, dist_bench_beam:calls({echo, Node}, N div 8, Req)} end)
                   || _ <- lists:seq(1, 8)],
                  pct(lists:append([receive {lat, L} -> L end || _ <- lists:seq(1, 8)]))
              end)
          end,
    {BM, B99} = Seq(B), {EM, E99} = Seq(E),
    {PBM, PB99} = Par(B), {PEM, PE99} = Par(E),
    [lat_row("call x1 median", BM, EM), lat_row("call x1 p99", B99, E99),
     lat_row("call x8 median", PBM, PEM), lat_row("call x8 p99", PB99, PE99)].

%% erpc:call round trips from this node into the same function (dist_bench_beam:echo/1) on
%% BEAM node B and on enode: one caller and 8.
erpc(Runs, N, B, E) ->
    Arg = {req, 42},
    Lat = fun(Node, K) -> dist_bench_beam:erpc_calls(Node, K, Arg) end,
    Seq = fun(Node) -> best_min(Runs, fun() -> pct(Lat(Node, N)) end) end,
    Par = fun(Node) -> best_min(Runs, fun() -> pct(parallel(8, fun() -> Lat(Node, N div 8) end)) end) end,
    {BM, B99} = Seq(B), {EM, E99} = Seq(E),
    {PBM, PB99} = Par(B), {PEM, PE99} = Par(E),
    [lat_row("erpc x1 median", BM, EM), lat_row("erpc x1 p99", B99, E99),
     lat_row("erpc x8 median", PBM, PEM), lat_row("erpc x8 p99", PB99, PE99)].

%% gen_server calls into BEAM node B's echo: from this BEAM node, and from a C++ process of
%% enode (its `caller`), one caller and 8.
cpp_calls(Runs, N, B, E) ->
    Req = {req, 42},
    FromBeam = fun(K) -> dist_bench_beam:calls({echo, B}, K, Req) end,
    FromCpp = fun(K) ->
                  {caller, E} ! {calls, {echo, B}, K, Req, self()},
                  receive {calls_done, L} -> L after 300000 -> error(cpp_calls_timeout) end
              end,
    Seq = fun(F) -> best_min(Runs, fun() -> pct(F(N)) end) end,
    {BM, B99} = Seq(FromBeam), {EM, E99} = Seq(FromCpp),
    %% Eight callers: eight BEAM processes, or eight C++ processes (one per request).
    {PBM, PB99} = best_min(Runs, fun() -> pct(parallel(8, fun() -> FromBeam(N div 8) end)) end),
    {PEM, PE99} = best_min(Runs, fun() -> pct(parallel(8, fun() -> FromCpp(N div 8) end)) end),
    [lat_row("C++->BEAM call x1 med", BM, EM), lat_row("C++->BEAM call x1 p99", B99, E99),
     lat_row("C++->BEAM call x8 med", PBM, PEM), lat_row("C++->BEAM call x8 p99", PB99, PE99)].

%% K processes each run F; all the latencies they return.
parallel(K, F) ->
    Self = self(),
    [spawn_link(fun() -> Self ! {lat, F()} end) || _ <- lists:seq(1, K)],
    lists:append([receive {lat, L} -> L end || _ <- lists:seq(1, K)]).

pct(Ls) ->
    S = lists:sort(Ls),
    Len = length(S),
    {lists:nth(max(1, Len div 2), S), lists:nth(max(1, (Len * 99) div 100), S)}.

lat_row(Name, Beam, Enode) ->
    io_lib:format("~-22s ~14b ~14b ~-8s ~7.2fx", [Name, Beam, Enode, "us", Beam / max(1, Enode)]).

start_program(Exe, Args) ->
    Self = self(),
    spawn(fun() ->
        Port = open_port({spawn_executable, Exe}, [{args, Args}, {line, 4096}, use_stdio, stderr_to_stdout]),
        wait_ready(Port, Self)
    end),
    receive {ready, N} -> N after 30000 -> error({not_started, Exe}) end.

wait_ready(Port, Owner) ->
    receive
        {Port, {data, {eol, "ready " ++ Name}}} -> Owner ! {ready, list_to_atom(Name)}, drain(Port);
        {Port, _} -> wait_ready(Port, Owner)
    end.

drain(Port) -> receive {Port, _} -> drain(Port) end.

start_beam(Name, Cookie) ->
    Erl = os:find_executable("erl"),
    spawn(fun() ->
        P = open_port({spawn_executable, Erl}, [{args, ["-sname", Name, "-setcookie", Cookie, "-noshell", "-noinput"]},
                                               use_stdio, stderr_to_stdout]),
        drain(P)
    end),
    {ok, H} = inet:gethostname(),
    Node = list_to_atom(Name ++ "@" ++ hd(string:tokens(H, "."))),
    wait_pong(Node, 100),
    Node.

wait_pong(Node, 0) -> error({no_pong, Node});
wait_pong(Node, K) ->
    case net_adm:ping(Node) of
        pong -> ok;
        pang -> timer:sleep(200), wait_pong(Node, K - 1)
    end.
