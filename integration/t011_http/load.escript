#!/usr/bin/env escript
%%! -noshell
%% The admin endpoint under load while the node carries distribution traffic: 1 000
%% connections open at once and 20 000 requests (load.py), twice; every answer is 200,
%% and the node's resident memory after the second round is what it was after the first
%% (nothing kept per connection or request; release builds only, see under_load/1). The erpc throughput of this node's calls
%% into enode is measured before and during the load and printed as a ratio: a figure
%% for BENCHMARKS.md, not asserted (absolute times on a shared machine are noise).
%%
%% usage: ERL_EPMD_PORT=P escript load.escript ENODE LOAD_PY
%% (the file descriptor limit must allow 1 000 connections: ulimit -n 8192)
-mode(compile).

main([Enode, LoadPy]) ->
    logger:set_primary_config(level, error),
    Dir = filename:dirname(escript:script_name()),
    Common = filename:join([Dir, "..", "common", "enode_it.erl"]),
    {ok, enode_it, Bin} = compile:file(Common, [binary, report_errors]),
    {module, enode_it} = code:load_binary(enode_it, Common, Bin),
    _ = enode_it:fresh_epmd_port("http_load"),
    Suffix = integer_to_list(erlang:phash2({os:getpid(), erlang:monotonic_time()}, 100000)),
    Cookie = "l" ++ Suffix,
    Port = free_port(),
    Cpp = enode_it:start_program(Enode, ["run", "--sname", "load_" ++ Suffix, "--cookie", Cookie,
                                         "--http", "127.0.0.1:" ++ integer_to_list(Port)], "enode "),
    {ok, _} = net_kernel:start([list_to_atom("t011_" ++ Suffix), shortnames]),
    erlang:set_cookie(node(), list_to_atom(Cookie)),
    pong = net_adm:ping(Cpp),
    Conns = enode_it:scaled(1000, 200),
    Per = 20,
    io:format("http_load (OTP ~s): enode ~s, HTTP port ~b, ~b connections x ~b requests~n",
              [erlang:system_info(otp_release), Cpp, Port, Conns, Per]),
    Ctx = #{cpp => Cpp, port => Port, load => LoadPy, conns => Conns, per => Per},
    Failed = enode_it:run_checks("http_load", [{admin_under_load, fun() -> under_load(Ctx) end}]),
    enode_it:kill_all(),
    halt(case Failed of [] -> 0; _ -> 1 end).

under_load(#{cpp := Cpp, port := Port, load := LoadPy, conns := Conns, per := Per}) ->
    Baseline = throughput(Cpp, 2000),
    Round1 = load(LoadPy, Port, Conns, Per),
    ok = all_ok(Round1, Conns * Per),
    Rss1 = rss(Port),
    %% The second round, with the distribution traffic measured meanwhile.
    Self = self(),
    Meter = spawn_link(fun() -> Self ! {during, meter(Cpp, 0, erlang:monotonic_time(millisecond))} end),
    Round2 = load(LoadPy, Port, Conns, Per),
    Meter ! stop,
    During = receive {during, D} -> D end,
    ok = all_ok(Round2, Conns * Per),
    Rss2 = rss(Port),
    io:format("  round 1: ~s~n  round 2: ~s~n", [format(Round1), format(Round2)]),
    io:format("  resident memory after round 1 ~.1f MiB, after round 2 ~.1f MiB~n", [Rss1 / 1048576, Rss2 / 1048576]),
    io:format("  erpc calls/s into enode: ~.1f before the load, ~.1f during it (ratio ~.2f)~n",
              [Baseline, During, During / Baseline]),
    %% Flat: the second round, as large as the first, keeps nothing more (16 MiB of slack
    %% for the allocator's own caching). Not under the sanitizers (the scaled-down pass):
    %% AddressSanitizer's quarantine holds freed memory back by design, and its leak check
    %% at exit stands in for this one.
    case enode_it:scaled(full, small) of
        full -> true = Rss2 =< Rss1 + 16 * 1048576;
        small -> io:format("  (resident memory not compared under the sanitizers)~n")
    end,
    ok.

load(LoadPy, Port, Conns, Per) ->
    Out = os:cmd(lists:flatten(io_lib:format("python3 ~s ~b ~b ~b", [LoadPy, Port, Conns, Per]))),
    {ok, Tokens, _} = erl_scan:string(json_to_term(Out)),
    {ok, Term} = erl_parse:parse_term(Tokens),
    Term.

%% load.py's one JSON line, read as an Erlang map (its keys and values are simple).
json_to_term(Json) ->
    Line = string:trim(lists:last(string:split(string:trim(Json), "\n", all))),
    S1 = re:replace(Line, "\"([a-z_A-Z0-9: ]+)\": ", "'\\1' => ", [global, {return, list}]),
    S2 = re:replace(S1, "\\{", "#{", [global, {return, list}]),
    S2 ++ ".".

all_ok(#{'requests' := N, 'ok' := N, 'open_at_once' := Open} = R, Want) when N =:= Want ->
    case maps:get('errors', R) of
        M when map_size(M) =:= 0, Open > 0 -> ok;
        Errors -> error({errors, Errors})
    end;
all_ok(R, Want) -> error({not_all_ok, Want, R}).

format(#{'requests' := N, 'ok' := Ok, 'open_at_once' := Open, 'seconds' := S}) ->
    io_lib:format("~b requests, ~b answered 200, ~b connections open at once, ~.2f s", [N, Ok, Open, float(S)]).

%% erpc calls per second over T ms, one caller.
throughput(Cpp, T) ->
    Start = erlang:monotonic_time(millisecond),
    N = calls(Cpp, Start + T, 0),
    N * 1000 / max(1, erlang:monotonic_time(millisecond) - Start).

calls(Cpp, Until, N) ->
    case erlang:monotonic_time(millisecond) >= Until of
        true -> N;
        false -> 1 = erpc:call(Cpp, enode_demo, echo, [1]), calls(Cpp, Until, N + 1)
    end.

%% Calls until told to stop: calls per second meanwhile.
meter(Cpp, N, Start) ->
    receive stop -> N * 1000 / max(1, erlang:monotonic_time(millisecond) - Start)
    after 0 -> 1 = erpc:call(Cpp, enode_demo, echo, [1]), meter(Cpp, N + 1, Start)
    end.

rss(Port) ->
    {ok, S} = gen_tcp:connect("127.0.0.1", Port, [binary, {active, false}]),
    ok = gen_tcp:send(S, "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
    Body = read_all(S, <<>>),
    {match, [V]} = re:run(Body, "process_resident_memory_bytes ([0-9]+)", [{capture, all_but_first, list}]),
    list_to_integer(V).

read_all(S, Acc) ->
    case gen_tcp:recv(S, 0, 10000) of
        {ok, D} -> read_all(S, <<Acc/binary, D/binary>>);
        {error, closed} -> Acc
    end.

free_port() ->
    {ok, L} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, P} = inet:port(L),
    gen_tcp:close(L),
    P.
