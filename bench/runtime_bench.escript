#!/usr/bin/env escript
%% The runtime workloads of bench/runtime_bench.cpp, on the BEAM that runs this script,
%% with the same shapes of messages and the same output lines. Run by scripts/bench-runtime.
%%! +P 2000000
-mode(compile).

main(Args) ->
    {Runs, Scale, Only} = parse(Args, 3, 1.0, all),
    N = fun(Base) -> max(1000, round(Base * Scale)) end,
    Spawns = N(1000000), Trips = N(1000000), Laps = max(1, N(1000000) div 1000), Msgs = N(1000000),
    Best = fun(F) -> lists:min([timed(F) || _ <- lists:seq(1, Runs)]) end,
    Want = fun(W) -> Only =:= all orelse Only =:= W end,
    %% Memory first, in a fresh emulator: what later workloads leave in the allocators
    %% would hide part of it.
    case Want("idle_memory") of
        true ->
            {Rss, Internal} = idle_memory(N(100000)),
            io:format("idle_memory ~w bytes/process~n", [round(Rss)]),
            io:format("idle_memory_beam ~w bytes/process~n", [round(Internal)]);
        false -> ok
    end,
    case Want("spawn_exit") of
        true ->
            T1 = Best(fun() -> spawn_exit(Spawns) end),
            io:format("spawn_exit ~w processes/s ~.3f s~n", [round(Spawns / T1), T1]);
        false -> ok
    end,
    case Want("ping_pong") of
        true ->
            T2 = Best(fun() -> ping_pong(Trips) end),
            io:format("ping_pong ~w round_trips/s ~.3f s~n", [round(Trips / T2), T2]);
        false -> ok
    end,
    case Want("ring") of
        true ->
            T3 = Best(fun() -> ring(1000, Laps) end),
            io:format("ring ~w hops/s ~.3f s~n", [round(1000 * Laps / T3), T3]);
        false -> ok
    end,
    case Want("many_to_one") of
        true ->
            T4 = Best(fun() -> many_to_one(Msgs) end),
            io:format("many_to_one ~w messages/s ~.3f s~n", [round((Msgs div 1000 * 1000) / T4), T4]);
        false -> ok
    end,
    io:format("threads ~p~n", [erlang:system_info(schedulers_online)]).

parse(["--runs", R | T], _, S, O) -> parse(T, list_to_integer(R), S, O);
parse(["--scale", S | T], R, _, O) -> parse(T, R, to_float(S), O);
parse(["--only", W | T], R, S, _) -> parse(T, R, S, W);
parse([], R, S, O) -> {R, S, O};
parse(_, _, _, _) ->
    io:format(standard_error, "usage: runtime_bench.escript [--runs N] [--scale F] [--only WORKLOAD]~n", []),
    halt(2).

to_float(S) -> try list_to_float(S) catch _:_ -> float(list_to_integer(S)) end.

%% Each run in a fresh process, as the C++ side runs each in a new process.
timed(F) ->
    Self = self(),
    spawn(fun() ->
              T0 = erlang:monotonic_time(),
              F(),
              T = erlang:monotonic_time() - T0,
              Self ! {time, erlang:convert_time_unit(T, native, microsecond) / 1.0e6}
          end),
    receive {time, T} -> T end.

spawn_exit(N) -> spawn_batches(N, self()).
spawn_batches(N, _) when N =< 0 -> ok;
spawn_batches(N, Parent) ->
    spawn_n(1000, Parent), collect(1000), spawn_batches(N - 1000, Parent).
spawn_n(0, _) -> ok;
spawn_n(K, Parent) -> spawn(fun() -> Parent ! done end), spawn_n(K - 1, Parent).
collect(0) -> ok;
collect(K) -> receive _ -> collect(K - 1) end.

ping_pong(N) ->
    Ponger = spawn(fun pong/0),
    Msg = {self(), ping},
    ping(N, Ponger, Msg),
    Ponger ! stop.
ping(0, _, _) -> ok;
ping(N, P, Msg) -> P ! Msg, receive _ -> ping(N - 1, P, Msg) end.
pong() -> receive {From, ping} -> From ! pong, pong(); stop -> ok end.

ring(Size, Laps) ->
    Next = lists:foldl(fun(_, Nx) -> spawn(fun() -> ring_node(Nx) end) end, self(), lists:seq(1, Size - 1)),
    Next ! {token, Size * Laps - 1},
    ring_head(Next).
ring_head(Next) ->
    receive
        {token, 0} -> Next ! stop, receive stop -> ok end;
        {token, K} -> Next ! {token, K - 1}, ring_head(Next)
    end.
ring_node(Next) ->
    receive
        stop -> Next ! stop;
        {token, K} -> Next ! {token, K - 1}, ring_node(Next)
    end.

many_to_one(N) ->
    Each = N div 1000, Parent = self(),
    [spawn(fun() -> send_n(Parent, 0, Each) end) || _ <- lists:seq(1, 1000)],
    collect(1000 * Each).
send_n(_, I, I) -> ok;
send_n(P, I, Each) -> P ! I, send_n(P, I + 1, Each).

%% Resident memory of the emulator, and BEAM's own count of process memory, per idle process.
idle_memory(N) ->
    Parent = self(),
    garbage_collect(),
    Rss0 = rss(), Mem0 = erlang:memory(processes),
    Pids = [spawn(fun() -> Parent ! done, receive _ -> ok end end) || _ <- lists:seq(1, N)],
    collect(N),
    Rss1 = rss(), Mem1 = erlang:memory(processes),
    [P ! stop || P <- Pids],
    {(Rss1 - Rss0) / N, (Mem1 - Mem0) / N}.

rss() ->
    {ok, Statm} = file:read_file("/proc/" ++ os:getpid() ++ "/statm"),
    [_, Resident | _] = binary:split(Statm, <<" ">>, [global]),
    binary_to_integer(Resident) * 4096.
