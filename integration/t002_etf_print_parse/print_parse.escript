#!/usr/bin/env escript
%%! -noshell
%% enode's printed form is Erlang syntax: BEAM sends random terms without pids, ports,
%% references or funs to `enode etf decode --packet 4`, and checks that each answer is
%% UTF-8 text that erl_scan/erl_parse read back to an exactly equal term.
%%
%% usage: escript print_parse.escript ENODE_BINARY [SEED] [COUNT]
%% SEED defaults to $ENODE_SEED, else a fresh one; COUNT defaults to 5000.
%% The random terms come from ../t001_etf_differential/etf_gen.erl.
-mode(compile).

main([Enode | Rest]) ->
    ok = io:setopts([{encoding, unicode}]),
    load_gen(),
    {Seed, Count} = case Rest of
                        [] -> {etf_gen:pick_seed([]), 5000};
                        [S] -> {etf_gen:pick_seed([S]), 5000};
                        [S, C | _] -> {etf_gen:pick_seed([S]), list_to_integer(C)}
                    end,
    io:format("seed: ~b~n", [Seed]),
    etf_gen:seed(Seed),
    Port = open_port({spawn_executable, Enode},
                     [{args, ["etf", "decode", "--packet", "4"]}, {packet, 4}, binary, exit_status]),
    {Checked, Failures} = run(Port, Count, 0, []),
    io:format("print_parse: ~b terms checked, ~b failures~n", [Checked, length(Failures)]),
    case Failures of
        [] -> halt(0);
        _ ->
            io:format("FAILED with seed ~b (rerun: escript ~s ~s ~b ~b)~n",
                      [Seed, escript:script_name(), Enode, Seed, Count]),
            [io:format("~ts~n", [F]) || F <- lists:sublist(lists:reverse(Failures), 5)],
            halt(1)
    end.

load_gen() ->
    Dir = filename:dirname(escript:script_name()),
    Src = filename:join([Dir, "..", "t001_etf_differential", "etf_gen.erl"]),
    case compile:file(Src, [binary, return_errors]) of
        {ok, Mod, Bin} -> {module, Mod} = code:load_binary(Mod, Src, Bin);
        Error ->
            io:format(standard_error, "cannot compile ~s: ~p~n", [Src, Error]),
            halt(2)
    end.

run(_Port, 0, Checked, Failures) -> {Checked, Failures};
run(Port, N, Checked, Failures) ->
    T = strip(etf_gen:term()),
    true = port_command(Port, term_to_binary(T, [{minor_version, 2}])),
    Reply = receive
                {Port, {data, D}} -> D;
                {Port, {exit_status, S}} -> error({enode_exited, S})
            after 30000 -> error(enode_timeout)
            end,
    case check(T, Reply) of
        ok -> run(Port, N - 1, Checked + 1, Failures);
        {error, Why} -> run(Port, N - 1, Checked + 1, [Why | Failures])
    end.

check(T, Reply) ->
    case unicode:characters_to_list(Reply, utf8) of
        Text when is_list(Text) ->
            case erl_scan:string(Text ++ ".") of
                {ok, Tokens, _} ->
                    case erl_parse:parse_term(Tokens) of
                        {ok, T2} ->
                            case same(T, T2) of
                                true -> ok;
                                false -> {error, io_lib:format("read back differently:~n  text: ~ts~n  term: ~P", [Text, T, 30])}
                            end;
                        {error, E} -> {error, io_lib:format("erl_parse: ~p~n  text: ~ts", [E, Text])}
                    end;
                {error, E, _} -> {error, io_lib:format("erl_scan: ~p~n  text: ~ts", [E, Text])}
            end;
        _ -> {error, io_lib:format("not UTF-8: ~p", [Reply])}
    end.

%% Exact equality that also tells 0.0 from -0.0 on releases where =:= does not.
same(A, B) when is_float(A), is_float(B) -> <<A/float>> =:= <<B/float>>;
same(A, B) when is_tuple(A), is_tuple(B), tuple_size(A) =:= tuple_size(B) ->
    same(tuple_to_list(A), tuple_to_list(B));
same([A | As], [B | Bs]) -> same(A, B) andalso same(As, Bs);
same(A, B) when is_map(A), is_map(B), map_size(A) =:= map_size(B) ->
    lists:all(fun({K, V}) -> maps:is_key(K, B) andalso same(V, maps:get(K, B)) end, maps:to_list(A));
same(A, B) -> A =:= B.

%% Replaces what has no Erlang syntax (pids, ports, references, funs) by atoms.
strip(T) when is_pid(T); is_port(T); is_reference(T); is_function(T) -> no_syntax;
strip(T) when is_tuple(T) -> list_to_tuple([strip(E) || E <- tuple_to_list(T)]);
strip([H | Tl]) -> [strip(H) | strip_tail(Tl)];
strip(T) when is_map(T) -> maps:from_list([{strip(K), strip(V)} || {K, V} <- maps:to_list(T)]);
strip(T) -> T.

strip_tail([H | Tl]) -> [strip(H) | strip_tail(Tl)];
strip_tail(T) -> strip(T).
