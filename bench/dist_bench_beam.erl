%% The BEAM side of scripts/bench-dist: the same roles as enode_bench_dist_peer, so that
%% each workload runs between two BEAM nodes and between a BEAM node and enode.
-module(dist_bench_beam).
-behaviour(gen_server).
-export([start/0, sink/0, blaster/0, blast/4, send_n/3, calls/3, erpc_calls/3, echo/1,
         init/1, handle_call/3, handle_cast/2]).

%% Registers sink, blaster and echo on this node.
start() ->
    register(sink, spawn(fun sink/0)),
    register(blaster, spawn(fun blaster/0)),
    {ok, _} = gen_server:start({local, echo}, ?MODULE, [], []),
    ok.

sink() -> sink(0).
sink(N) ->
    receive
        {done, From} -> From ! {count, N}, sink(0);
        _ -> sink(N + 1)
    end.

blaster() ->
    receive {blast, Dest, N, Msg, ReportTo} -> blast(Dest, N, Msg, ReportTo) end,
    blaster().

blast(Dest, N, Msg, ReportTo) ->
    send_n(Dest, N, Msg),
    Dest ! {done, ReportTo}.

send_n(_, 0, _) -> ok;
send_n(Dest, N, Msg) -> Dest ! Msg, send_n(Dest, N - 1, Msg).

%% N sequential calls; the microseconds each took.
calls(Server, N, Req) ->
    [begin
         T0 = erlang:monotonic_time(microsecond),
         Req = gen_server:call(Server, Req, 30000),
         erlang:monotonic_time(microsecond) - T0
     end || _ <- lists:seq(1, N)].

%% N sequential erpc:call(Node, dist_bench_beam, echo, [Arg]); the microseconds each took.
erpc_calls(Node, N, Arg) ->
    [begin
         T0 = erlang:monotonic_time(microsecond),
         Arg = erpc:call(Node, ?MODULE, echo, [Arg], 30000),
         erlang:monotonic_time(microsecond) - T0
     end || _ <- lists:seq(1, N)].

%% What the erpc calls run, on BEAM nodes and on enode (bench/dist_bench_peer.cpp).
echo(X) -> X.

init([]) -> {ok, nostate}.
handle_call(Req, _From, S) -> {reply, Req, S}.
handle_cast(_, S) -> {noreply, S}.
