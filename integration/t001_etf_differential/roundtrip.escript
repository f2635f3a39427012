#!/usr/bin/env escript
%%! -noshell
%% Differential round trip: BEAM encodes random terms, `enode etf roundtrip --packet 4`
%% decodes and re-encodes each, and BEAM checks that what comes back is the same term,
%% and, for uncompressed minor version 2 (what enode writes), the same bytes.
%%
%% usage: escript roundtrip.escript ENODE_BINARY [SEED] [COUNT]
%% SEED defaults to $ENODE_SEED, else a fresh one; COUNT defaults to 5000.
-mode(compile).

-define(REPLY_TIMEOUT, 30000).
-define(SHOW, 5).

main([Enode | Rest]) ->
    ok = io:setopts([{encoding, unicode}]),
    load_gen(),
    {Seed, Count} = case Rest of
                        [] -> {etf_gen:pick_seed([]), 5000};
                        [S] -> {etf_gen:pick_seed([S]), 5000};
                        [S, C | _] -> {etf_gen:pick_seed([S]), list_to_integer(C)}
                    end,
    io:format("seed: ~b~n", [Seed]),
    put(seed, Seed),
    etf_gen:seed(Seed),
    Port = open_port({spawn_executable, Enode},
                     [{args, ["etf", "roundtrip", "--packet", "4" | port_form()]}, {packet, 4}, binary,
                      exit_status]),
    VectorFailures = vectors(Port),
    {Failures0, Stats} = run(Port, Count, 1, [], #{}),
    Failures = Failures0 ++ VectorFailures,
    io:format("coverage: ~s~n", [format_stats(Stats)]),
    io:format("vectors: ~b hand-made inputs, ~b failures~n", [length(vectors()), length(VectorFailures)]),
    io:format("roundtrip: ~b terms, ~b failures~n", [Count, length(Failures0)]),
    case Failures of
        [] -> halt(0);
        _ ->
            io:format("FAILED with seed ~b (rerun: escript ~s ~s ~b ~b)~n",
                      [Seed, escript:script_name(), Enode, Seed, Count]),
            [report(Port, F) || F <- lists:sublist(lists:reverse(Failures), ?SHOW)],
            halt(1)
    end;
main(_) ->
    io:format(standard_error, "usage: roundtrip.escript ENODE_BINARY [SEED] [COUNT]~n", []),
    halt(2).

%% OTP 26 and later write every port as V4_PORT_EXT, OTP 25 only ports above 2^28:
%% ask enode for the form of the release that runs this script, for byte-exact replies.
port_form() ->
    case list_to_integer(erlang:system_info(otp_release)) >= 26 of
        true -> ["--v4-ports"];
        false -> []
    end.

load_gen() ->
    Dir = filename:dirname(escript:script_name()),
    Src = filename:join(Dir, "etf_gen.erl"),
    case compile:file(Src, [binary, return_errors]) of
        {ok, Mod, Bin} -> {module, Mod} = code:load_binary(Mod, Src, Bin);
        Error ->
            io:format(standard_error, "cannot compile ~s: ~p~n", [Src, Error]),
            halt(2)
    end.

run(_Port, Count, I, Failures, Stats) when I > Count -> {Failures, Stats};
run(Port, Count, I, Failures, Stats) ->
    T = etf_gen:term(),
    Opts = etf_gen:opts(),
    In = term_to_binary(T, Opts),
    true = port_command(Port, In),
    Reply = receive
                {Port, {data, R}} -> R;
                {Port, {exit_status, St}} ->
                    io:format("enode exited with status ~b at term ~b~n", [St, I]),
                    fail_exit(I, T, Opts, In)
            after ?REPLY_TIMEOUT ->
                    io:format("no reply from enode for term ~b within ~b ms~n", [I, ?REPLY_TIMEOUT]),
                    fail_exit(I, T, Opts, In)
            end,
    Stats1 = count_tags(In, Stats),
    case check(T, Opts, In, Reply) of
        ok -> run(Port, Count, I + 1, Failures, Stats1);
        {error, Why} -> run(Port, Count, I + 1, [{I, Why, T, Opts, In, Reply} | Failures], Stats1)
    end.

%% Hand-made inputs in forms BEAM reads but never writes (legacy tags, non-canonical
%% bignums and lists, unsorted maps), and inputs BEAM rejects. enode must read the
%% first kind as BEAM does and answer {enode_error, _} to the second.
vectors() ->
    N = <<100, 3:16, "a@b">>,
    [{pid_ext, <<131, 103, N/binary, 1:32, 2:32, 3>>},
     {port_ext, <<131, 102, N/binary, 7:32, 2>>},
     {reference_ext, <<131, 101, N/binary, 9:32, 1>>},
     {new_reference_ext, <<131, 114, 3:16, N/binary, 2, 1:32, 2:32, 3:32>>},
     {new_port_ext, <<131, 89, N/binary, 7:32, 16#FFFFFFFF:32>>},
     {v4_port_ext_small_id, <<131, 120, N/binary, 5:64, 1:32>>},
     {small_atom_ext_latin1, <<131, 115, 3, 16#E5, 16#E4, 16#F6>>},
     {atom_ext_latin1, <<131, 100, 2:16, 16#FF, $a>>},
     {atom_ext_255, <<131, 100, 255:16, (binary:copy(<<16#E9>>, 255))/binary>>},
     {float_ext, <<131, 99, "1.50000000000000000000e+00", 0:40>>},
     {float_ext_negative_zero, <<131, 99, "-0.00000000000000000000e+00", 0:32>>},
     {small_big_leading_zeros, <<131, 110, 4, 0, 5, 0, 0, 0>>},
     {small_big_int64_min, <<131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128>>},
     {small_big_zero, <<131, 110, 0, 0>>},
     {large_big_small, <<131, 111, 2:32, 1, 1, 1>>},
     {large_tuple_small, <<131, 105, 1:32, 97, 1>>},
     {list_ext_empty, <<131, 108, 0:32, 106>>},
     {list_with_string_tail, <<131, 108, 1:32, 97, 1, 107, 2:16, 2, 3>>},
     {list_with_list_tail, <<131, 108, 1:32, 97, 1, 108, 1:32, 97, 2, 106>>},
     {string_ext_empty, <<131, 107, 0:16>>},
     {map_unsorted, <<131, 116, 2:32, 119, 1, $b, 97, 1, 119, 1, $a, 97, 2>>},
     {map_int_after_float, <<131, 116, 2:32, 70, 1.0:64/float, 97, 1, 97, 2, 97, 2>>},
     {bit_binary_8_bits, <<131, 77, 1:32, 8, 255>>},
     {bit_binary_dirty_low_bits, <<131, 77, 1:32, 3, 255>>},
     {compressed_tiny, <<131, 80, 2:32, (zlib:compress(<<97, 7>>))/binary>>},
     %% rejected by binary_to_term
     %% OTP 25 reads this as <<>>, OTP 27+ refuses it; enode follows the newer releases
     {reject_bit_binary_empty, <<131, 77, 0:32, 0>>},
     {reject_map_duplicate_key, <<131, 116, 2:32, 119, 1, $a, 97, 1, 119, 1, $a, 97, 2>>},
     {reject_new_float_nan, <<131, 70, 127, 248, 0:48>>},
     {reject_new_float_infinity, <<131, 70, 127, 240, 0:48>>},
     {reject_atom_utf8_invalid, <<131, 119, 1, 255>>},
     {reject_truncated, <<131, 104, 2, 97, 1>>},
     {reject_bad_version, <<130, 97, 1>>},
     {reject_unknown_tag, <<131, 200>>},
     {reject_bit_binary_zero_bits, <<131, 77, 1:32, 0, 255>>},
     {reject_compressed_wrong_size, <<131, 80, 3:32, (zlib:compress(<<97, 7>>))/binary>>}].

vectors(Port) ->
    lists:filtermap(
      fun({Name, In}) ->
              Expected = case lists:member(Name, newer_rejects()) of
                             true -> {'EXIT', refused_since_otp27};
                             false -> catch binary_to_term(In)
                         end,
              Reply = case roundtrip(Port, In) of
                          {ok, R} -> R;
                          timeout -> io:format("no reply to vector ~s~n", [Name]), halt(1)
                      end,
              Why = case {Expected, catch binary_to_term(Reply)} of
                        {{'EXIT', _}, {enode_error, _}} -> ok;
                        {{'EXIT', _}, Got} -> {accepted, Got};
                        {_, {'EXIT', _}} -> reply_not_etf;
                        {_, {enode_error, Reason}} -> {enode_error, Reason};
                        {_, Got} ->
                            case etf_gen:eq(Got, Expected) of
                                true -> ok;
                                false -> {not_equal, Got}
                            end
                    end,
              case Why of
                  ok -> false;
                  _ -> {true, {{vector, Name}, Why, Expected, raw, In, Reply}}
              end
      end, vectors()).

%% Inputs that older releases accept and newer ones refuse; enode refuses them too.
newer_rejects() -> [reject_bit_binary_empty].

fail_exit(I, T, Opts, In) ->
    report({I, crashed, T, Opts, In, <<>>}),
    io:format("FAILED with seed ~b~n", [get(seed)]),
    halt(1).

check(T, Opts, In, Reply) ->
    %% try, not catch: a generated term may itself be {'EXIT', _}.
    case try {ok, binary_to_term(Reply)} catch error:_ -> not_etf end of
        not_etf -> {error, reply_not_etf};
        {ok, Got} -> check_term(T, Opts, In, Reply, Got)
    end.

check_term(T, Opts, In, Reply, Got) ->
    case Got of
        {enode_error, Reason} when not is_tuple(T); element(1, T) =/= enode_error ->
            {error, {enode_error, Reason}};
        R ->
            case etf_gen:eq(R, T) of
                false -> {error, {not_equal, R}};
                true ->
                    case Opts =:= [{minor_version, 2}] andalso not etf_gen:unfixed_map_order(T)
                        andalso Reply =/= In of
                        true -> {error, bytes_differ};
                        false -> ok
                    end
            end
    end.

report(Port, {_, _, T, _, _, _} = Failure) ->
    report(Failure),
    case smallest_failing(Port, T) of
        none -> ok;
        T -> ok;
        S ->
            In = term_to_binary(S, [{minor_version, 2}]),
            {ok, Reply} = roundtrip(Port, In),
            io:format("  smallest failing subterm (minor version 2): ~ts~n"
                      "    input: ~ts~n    reply: ~ts~n",
                      [shorten(io_lib:format("~tP", [S, 12])),
                       shorten(io_lib:format("~w", [In])), shorten(io_lib:format("~w", [Reply]))])
    end.

roundtrip(Port, In) ->
    true = port_command(Port, In),
    receive
        {Port, {data, R}} -> {ok, R}
    after ?REPLY_TIMEOUT -> timeout
    end.

%% The smallest subterm that fails the check on its own, encoded with minor version 2.
smallest_failing(Port, T) ->
    In = term_to_binary(T, [{minor_version, 2}]),
    Fails = case roundtrip(Port, In) of
                {ok, Reply} -> check(T, [{minor_version, 2}], In, Reply) =/= ok;
                timeout -> false
            end,
    case Fails of
        false -> none;
        true ->
            case [M || S <- subterms(T), (M = smallest_failing(Port, S)) =/= none] of
                [M | _] -> M;
                [] -> T
            end
    end.

subterms(T) when is_tuple(T) -> tuple_to_list(T);
subterms(M) when is_map(M) -> lists:append([[K, V] || {K, V} <- maps:to_list(M)]);
subterms([H | T]) -> [H, T];
subterms(F) when is_function(F) ->
    case erlang:fun_info(F, type) of
        {type, local} -> element(2, erlang:fun_info(F, env));
        _ -> []
    end;
subterms(_) -> [].

report({I, Why, T, Opts, In, Reply}) ->
    io:format("--- ~ts, term_to_binary options ~w: ~ts~n", [what(I), Opts, why(Why)]),
    io:format("  term:  ~ts~n", [shorten(io_lib:format("~tP", [T, 25]))]),
    case Why of
        {not_equal, R} ->
            case etf_gen:diff(T, R) of
                {Path, A, B} ->
                    io:format("  first difference at ~ts:~n    sent ~ts~n    got  ~ts~n",
                              [shorten(io_lib:format("~tw", [Path])),
                               shorten(io_lib:format("~tP", [A, 12])),
                               shorten(io_lib:format("~tP", [B, 12]))]);
                same -> ok
            end;
        _ -> ok
    end,
    io:format("  input: ~ts~n", [shorten(io_lib:format("~w", [In]))]),
    io:format("  reply: ~ts~n", [shorten(io_lib:format("~w", [Reply]))]),
    case first_difference(In, Reply) of
        none -> ok;
        At -> io:format("  bytes first differ at offset ~b~n", [At])
    end.

what({vector, Name}) -> io_lib:format("vector ~s", [Name]);
what(I) -> io_lib:format("term ~b", [I]).

why({accepted, Got}) ->
    ["enode accepts what binary_to_term rejects, giving ", shorten(io_lib:format("~tP", [Got, 12]))];
why({enode_error, Reason}) -> io_lib:format("enode answered {enode_error, ~tp}", [Reason]);
why({not_equal, _}) -> "decodes to a different term";
why(bytes_differ) -> "same term, different bytes";
why(reply_not_etf) -> "reply is not a valid external term";
why(crashed) -> "no reply".

first_difference(A, B) -> first_difference(A, B, 0).
first_difference(<<X, A/binary>>, <<X, B/binary>>, N) -> first_difference(A, B, N + 1);
first_difference(<<>>, <<>>, _) -> none;
first_difference(_, _, N) -> N.

shorten(IoData) ->
    S = unicode:characters_to_list(IoData),
    case length(S) > 600 of
        true -> lists:sublist(S, 600) ++ "...";
        false -> S
    end.

%% Which tags the inputs used, so a run shows what it covered.
count_tags(<<131, 80, _/binary>>, Stats) -> maps:update_with(compressed, fun(N) -> N + 1 end, 1, Stats);
count_tags(<<131, Rest/binary>>, Stats) ->
    try skip(Rest, Stats) of
        {_, S} -> S
    catch _:_ -> Stats
    end.

bump(Tag, Stats) -> maps:update_with(Tag, fun(N) -> N + 1 end, 1, Stats).

skip(<<97, _, R/binary>>, S) -> {R, bump(small_integer, S)};
skip(<<98, _:32, R/binary>>, S) -> {R, bump(integer, S)};
skip(<<110, N, _, _:N/binary, R/binary>>, S) -> {R, bump(small_big, S)};
skip(<<111, N:32, _, _:N/binary, R/binary>>, S) -> {R, bump(large_big, S)};
skip(<<70, _:64, R/binary>>, S) -> {R, bump(new_float, S)};
skip(<<99, _:31/binary, R/binary>>, S) -> {R, bump(float_string, S)};
skip(<<100, N:16, _:N/binary, R/binary>>, S) -> {R, bump(atom_latin1, S)};
skip(<<115, N, _:N/binary, R/binary>>, S) -> {R, bump(small_atom_latin1, S)};
skip(<<118, N:16, _:N/binary, R/binary>>, S) -> {R, bump(atom_utf8, S)};
skip(<<119, N, _:N/binary, R/binary>>, S) -> {R, bump(small_atom_utf8, S)};
skip(<<104, N, R/binary>>, S) -> skip_n(N, R, bump(small_tuple, S));
skip(<<105, N:32, R/binary>>, S) -> skip_n(N, R, bump(large_tuple, S));
skip(<<106, R/binary>>, S) -> {R, bump(nil, S)};
skip(<<107, N:16, _:N/binary, R/binary>>, S) -> {R, bump(string, S)};
skip(<<108, N:32, R/binary>>, S) -> skip_n(N + 1, R, bump(list, S));
skip(<<109, N:32, _:N/binary, R/binary>>, S) -> {R, bump(binary, S)};
skip(<<77, N:32, _, _:N/binary, R/binary>>, S) -> {R, bump(bit_binary, S)};
skip(<<116, N:32, R/binary>>, S) -> skip_n(2 * N, R, bump(map, S));
skip(<<88, R/binary>>, S) -> {R1, S1} = skip(R, S), <<_:12/binary, R2/binary>> = R1, {R2, bump(new_pid, S1)};
skip(<<89, R/binary>>, S) -> {R1, S1} = skip(R, S), <<_:8/binary, R2/binary>> = R1, {R2, bump(new_port, S1)};
skip(<<120, R/binary>>, S) -> {R1, S1} = skip(R, S), <<_:12/binary, R2/binary>> = R1, {R2, bump(v4_port, S1)};
skip(<<90, N:16, R/binary>>, S) ->
    {R1, S1} = skip(R, S),
    <<_:(4 + 4 * N)/binary, R2/binary>> = R1,
    {R2, bump(newer_reference, S1)};
skip(<<113, R/binary>>, S) -> skip_n(3, R, bump(export, S));
skip(<<112, Size:32, _/binary>> = B, S) ->
    <<_, _:Size/binary, R/binary>> = B,
    {R, bump(new_fun, S)}.

skip_n(0, R, S) -> {R, S};
skip_n(N, R, S) -> {R1, S1} = skip(R, S), skip_n(N - 1, R1, S1).

format_stats(Stats) ->
    lists:join(" ", [io_lib:format("~s=~b", [K, V]) || {K, V} <- lists:sort(maps:to_list(Stats))]).
