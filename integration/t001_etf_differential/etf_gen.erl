%% Random Erlang terms for the ETF differential tests, shared by roundtrip.escript and
%% ei_agree.escript (each compiles and loads this module at start-up).
%%
%% Every draw goes through `rand` with the process's seeded state, so a seed names one
%% sequence of terms. Terms cover every type the external term format carries; nesting
%% is bounded by depth (?MAX_DEPTH) and by a node budget so that the total size stays
%% reasonable even with 300-element tuples and 5000-byte binaries about.
-module(etf_gen).

-export([seed/1, pick_seed/1, term/0, opts/0, eq/2, diff/2, has_large_map/1, unfixed_map_order/1]).

-define(MAX_DEPTH, 8).

%% --- seeding -------------------------------------------------------------------------

seed(Seed) when is_integer(Seed) ->
    _ = rand:seed(exsss, Seed),
    ok.

%% The seed to use: the argument if given, else $ENODE_SEED, else a fresh one.
pick_seed([S | _]) -> list_to_integer(S);
pick_seed([]) ->
    case os:getenv("ENODE_SEED") of
        false -> fresh_seed();
        "" -> fresh_seed();
        S -> list_to_integer(S)
    end.

fresh_seed() ->
    erlang:phash2({os:timestamp(), erlang:unique_integer(), os:getpid()}, 1 bsl 32).

%% term_to_binary options, as the round-trip test varies them.
opts() ->
    element(uniform(5), {[{minor_version, 2}], [{minor_version, 1}], [{minor_version, 0}],
                         [compressed], [{compressed, 9}, {minor_version, 2}]}).

%% --- the generator -------------------------------------------------------------------

term() ->
    Budget = case uniform(10) of
                 1 -> 1;
                 2 -> 1;
                 N when N =< 8 -> 2 + uniform(48);
                 _ -> 50 + uniform(350)
             end,
    gen(0, Budget).

gen(Depth, Budget) when Depth >= ?MAX_DEPTH; Budget =< 1 ->
    leaf();
gen(Depth, Budget) ->
    case uniform(20) of
        N when N =< 3 -> leaf();
        N when N =< 7 -> tuple(Depth, Budget);
        N when N =< 10 -> list(Depth, Budget);
        11 -> improper_list(Depth, Budget);
        N when N =< 14 -> map(Depth, Budget);
        15 -> local_fun(Depth, Budget);
        16 -> flat_big();
        _ -> leaf()
    end.

%% How many children a container gets: mostly a handful, sometimes up to Max.
count(Budget, Max) ->
    case uniform(10) of
        1 -> uniform(min(Max, Budget) + 1) - 1;
        _ -> uniform(min(8, Budget) + 1) - 1
    end.

children(Depth, Budget, N) ->
    Each = max(1, (Budget - 1) div max(N, 1)),
    [gen(Depth + 1, Each) || _ <- lists:seq(1, N)].

tuple(Depth, Budget) ->
    list_to_tuple(children(Depth, Budget, count(Budget, 300))).

list(Depth, Budget) ->
    children(Depth, Budget, count(Budget, 300)).

improper_list(Depth, Budget) ->
    N = 1 + count(Budget, 50),
    Xs = children(Depth, Budget, N),
    Tail = non_list_leaf(),
    lists:foldr(fun(X, Acc) -> [X | Acc] end, Tail, Xs).

non_list_leaf() ->
    case leaf() of
        L when is_list(L) -> non_list_leaf();
        X -> X
    end.

map(Depth, Budget) ->
    N = case uniform(6) of
            1 -> 33 + uniform(60);            % a hash map on the BEAM side
            _ -> uniform(min(33, Budget + 1)) - 1
        end,
    Each = max(1, (Budget - 1) div max(N, 1)),
    maps:from_list([{key(), gen(Depth + 1, Each)} || _ <- lists:seq(1, N)]).

%% Map keys of mixed types, with integers and floats of equal value side by side so
%% that the key order (every integer before every float) gets exercised.
key() ->
    case uniform(12) of
        1 -> uniform(6) - 1;
        2 -> float(uniform(6) - 1);
        3 -> integer();
        4 -> float_();
        5 -> atom();
        6 -> small_atom();
        7 -> binary(16);
        8 -> list_to_tuple([key_leaf() || _ <- lists:seq(1, uniform(3) - 1)]);
        9 -> [key_leaf() || _ <- lists:seq(1, uniform(3) - 1)];
        10 -> maps:from_list([{key_leaf(), key_leaf()} || _ <- lists:seq(1, uniform(3) - 1)]);
        11 -> key_identifier();
        12 -> string()
    end.

key_leaf() ->
    case uniform(5) of
        1 -> uniform(3);
        2 -> float(uniform(3));
        3 -> small_atom();
        4 -> binary(4);
        5 -> key_identifier()
    end.

%% Wide, shallow terms: large tuples and long lists of integers, and strings around
%% STRING_EXT's 65535-element limit.
flat_big() ->
    case uniform(12) of
        N when N =< 4 -> list_to_tuple([leaf() || _ <- lists:seq(1, 256 + uniform(44))]);
        N when N =< 8 -> [integer() || _ <- lists:seq(1, uniform(1000))];
        9 -> [uniform(256) - 1 || _ <- lists:seq(1, 65534 + uniform(3))];
        _ -> [leaf() || _ <- lists:seq(1, uniform(300))]
    end.

leaf() ->
    case uniform(24) of
        N when N =< 4 -> integer();
        N when N =< 7 -> float_();
        N when N =< 10 -> atom();
        11 -> small_atom();
        N when N =< 13 -> string();
        N when N =< 16 -> binary(5000);
        17 -> bitstring();
        18 -> pid();
        19 -> port();
        20 -> ref(uniform(5));
        21 -> external_fun();
        22 -> local_fun(?MAX_DEPTH, 1);
        23 -> [];
        24 -> {}
    end.

%% As map keys, references have at least two words: OTP 25 hashes an external
%% one-word reference inconsistently, so that a large map may not find it again
%% (maps:is_key(R, maps:from_list([{R, x} | Many])) can be false).
key_identifier() ->
    case uniform(3) of
        1 -> pid();
        2 -> port();
        3 -> ref(1 + uniform(4))
    end.

%% --- integers --------------------------------------------------------------------------

-define(BOUNDARIES,
        [0, 1, -1, 255, 256, -255, -256,
         (1 bsl 27) - 1, 1 bsl 27, -(1 bsl 27), -(1 bsl 27) - 1,
         (1 bsl 31) - 1, 1 bsl 31, -(1 bsl 31), -(1 bsl 31) - 1,
         (1 bsl 32) - 1, 1 bsl 32, -(1 bsl 32) + 1, -(1 bsl 32),
         (1 bsl 59) - 1, 1 bsl 59, -(1 bsl 59), -(1 bsl 59) - 1,
         (1 bsl 63) - 1, 1 bsl 63, -(1 bsl 63), -(1 bsl 63) - 1,
         (1 bsl 64) - 1, 1 bsl 64, -(1 bsl 64) + 1, -(1 bsl 64), -(1 bsl 64) - 1,
         (1 bsl 2040) - 1, 1 bsl 2040, -(1 bsl 2040) + 1, -(1 bsl 2040)]).

integer() ->
    case uniform(10) of
        1 -> uniform(256) - 1;
        2 -> -uniform(256);
        3 -> pick(?BOUNDARIES);
        4 -> uniform(1 bsl 32) - (1 bsl 31) - 1;
        5 -> signed(64);
        6 -> signed(8 * uniform(8));
        7 -> bignum(9 + uniform(24));
        8 -> bignum(200 + uniform(120));        % both sides of 255 bytes
        9 -> pick(?BOUNDARIES) + uniform(5) - 3;
        10 -> uniform(1000)
    end.

signed(Bits) ->
    <<I:Bits/signed>> = rand:bytes(Bits div 8),
    I.

bignum(Bytes) ->
    <<Top, Rest/binary>> = rand:bytes(Bytes),
    Mag = binary:decode_unsigned(<<(max(Top, 1)), Rest/binary>>),
    case uniform(2) of
        1 -> Mag;
        2 -> -Mag
    end.

%% --- floats ----------------------------------------------------------------------------

float_() ->
    case uniform(12) of
        1 -> 0.0;
        2 -> -0.0;
        3 -> bits_float(uniform(2) - 1, 0, uniform(1 bsl 52 - 1));     % subnormal
        4 -> pick([5.0e-324, -5.0e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
                   1.7976931348623157e308, -1.7976931348623157e308, 1.0e300, -1.0e-300]);
        5 -> bits_float(uniform(2) - 1, 2046 - uniform(40), rand_mantissa());   % huge
        6 -> bits_float(uniform(2) - 1, uniform(2046), rand_mantissa());
        7 -> float(uniform(2001) - 1001);
        8 -> (uniform(2001) - 1001) / 8;
        9 -> pick([0.1, -0.1, 1.0 / 3, 3.141592653589793, 1.0e15, 1.0e16, 123456789.0e10]);
        10 -> float(signed(64));
        11 -> rand:uniform_real();
        12 -> rand:normal() * 1.0e6
    end.

rand_mantissa() ->
    <<M:52, _:4>> = rand:bytes(7),
    M.

bits_float(Sign, Exp, Mant) ->
    <<F/float>> = <<Sign:1, Exp:11, Mant:52>>,
    F.

%% --- atoms -----------------------------------------------------------------------------

small_atom() ->
    pick([ok, error, true, false, undefined, '', 'EXIT', '$gen_call', 'Elixir.Foo', a, b, c,
          'with space', 'quote\'s', 'ünïcødé', '日本語', '🙂']).

atom() ->
    Len = case uniform(6) of
              1 -> 255;
              2 -> uniform(256) - 1;
              _ -> uniform(12)
          end,
    Chars = case uniform(4) of
                1 -> [32 + uniform(95) - 1 || _ <- lists:seq(1, Len)];          % ASCII
                2 -> [uniform(256) - 1 || _ <- lists:seq(1, Len)];              % Latin-1
                3 -> [unicode_char() || _ <- lists:seq(1, Len)];
                4 -> [$a + uniform(26) - 1 || _ <- lists:seq(1, Len)]
            end,
    list_to_atom(Chars).

unicode_char() ->
    case uniform(5) of
        1 -> uniform(128) - 1;
        2 -> 16#80 + uniform(16#780) - 1;                     % two UTF-8 bytes
        3 -> 16#800 + uniform(16#D800 - 16#800) - 1;          % three, below surrogates
        4 -> 16#E000 + uniform(16#FFFE - 16#E000) - 1;        % three, above surrogates
        5 -> 16#10000 + uniform(16#110000 - 16#10000) - 1     % four
    end.

%% --- strings, binaries, bitstrings -----------------------------------------------------

string() ->
    Len = case uniform(8) of
              1 -> uniform(300);
              _ -> uniform(20) - 1
          end,
    case uniform(3) of
        1 -> [uniform(256) - 1 || _ <- lists:seq(1, Len)];
        2 -> [32 + uniform(95) - 1 || _ <- lists:seq(1, Len)];
        3 -> [unicode_char() || _ <- lists:seq(1, Len)]
    end.

binary(Max) ->
    Len = case uniform(10) of
              1 -> uniform(Max + 1) - 1;
              _ -> uniform(min(Max, 64) + 1) - 1
          end,
    rand:bytes(Len).

bitstring() ->
    Bits = uniform(7),
    <<X:Bits, _/bitstring>> = rand:bytes(1),
    <<(binary(300))/binary, X:Bits>>.

%% --- pids, ports, references of other nodes ------------------------------------------
%% Built from hand-made NEW_PID_EXT, V4_PORT_EXT and NEWER_REFERENCE_EXT bytes so that
%% they belong to other nodes and carry large creations.

node_name() ->
    pick(['a@b', 'node@host', 'enode@127.0.0.1', 'erl@very-long-host-name.example.org',
          'nöde@høst', '節点@主機', list_to_atom("n" ++ integer_to_list(uniform(50)) ++ "@x")]).

creation() ->
    case uniform(4) of
        1 -> pick([0, 1, 2, 3]);
        2 -> pick([16#FFFFFFFF, 16#FFFFFFFE, 16#80000000, 16#7FFFFFFF]);
        _ -> uniform(1 bsl 32) - 1
    end.

u32() -> uniform(1 bsl 32) - 1.

atom_ext(A) ->
    B = atom_to_binary(A, utf8),
    <<119, (byte_size(B)), B/binary>>.

pid() ->
    Id = pick([uniform(1 bsl 15) - 1, u32()]),
    Serial = pick([uniform(8) - 1, u32()]),
    binary_to_term(<<131, 88, (atom_ext(node_name()))/binary, Id:32, Serial:32, (creation()):32>>).

port() ->
    Id = case uniform(3) of
             1 -> uniform(1 bsl 28) - 1;
             2 -> u32();
             3 -> uniform(1 bsl 64) - 1
         end,
    binary_to_term(<<131, 120, (atom_ext(node_name()))/binary, Id:64, (creation()):32>>).

ref(Len) ->
    Words = << <<(u32()):32>> || _ <- lists:seq(1, Len) >>,
    binary_to_term(<<131, 90, Len:16, (atom_ext(node_name()))/binary, (creation()):32, Words/binary>>).

%% --- funs ------------------------------------------------------------------------------

external_fun() ->
    erlang:make_fun(pick([lists, erlang, small_atom(), atom()]), pick([map, foo, atom()]),
                    pick([0, 1, 2, 255, uniform(256) - 1])).

local_fun(Depth, Budget) ->
    Each = max(1, (Budget - 1) div 3),
    case uniform(5) of
        1 -> fun() -> ok end;
        2 -> X = gen(Depth + 1, Each), fun() -> X end;
        3 -> X = gen(Depth + 1, Each), fun(A) -> {A, X} end;
        4 -> X = gen(Depth + 1, Each), Y = gen(Depth + 1, Each),
             fun(A, B) -> [A, B, X, Y] end;
        5 -> X = gen(Depth + 1, Each), Y = gen(Depth + 1, Each), Z = gen(Depth + 1, Each),
             fun(A, B, C) -> {A, B, C, X, Y, Z} end
    end.

%% --- helpers ---------------------------------------------------------------------------

uniform(N) -> rand:uniform(N).

pick(Xs) -> lists:nth(uniform(length(Xs)), Xs).

%% --- checks ----------------------------------------------------------------------------

%% Exact equality that also tells 0.0 from -0.0 on every release (on OTP 25, =:= does
%% not), and is otherwise =:=: both sides are compared in canonical form.
eq(A, B) -> canon(A) =:= canon(B).

%% A float-free, map-free image of a term under which =:= is exact equality: floats
%% become their bits, maps their association lists sorted by canonical key, and local
%% funs carry their environment in canonical form. Maps are not compared through
%% lookups because OTP 25 cannot always find an external one-word reference key in a
%% large map (maps:is_key/2 answers false for a key that maps:keys/1 lists).
canon(F) when is_float(F) -> {'$float', <<F/float>>};
canon([H | T]) -> [canon(H) | canon(T)];
canon(T) when is_tuple(T) -> {'$tuple', [canon(X) || X <- tuple_to_list(T)]};
canon(M) when is_map(M) -> {'$map', lists:sort([{canon(K), canon(V)} || {K, V} <- maps:to_list(M)])};
canon(F) when is_function(F) ->
    case erlang:fun_info(F, type) of
        {type, external} -> F;
        {type, local} ->
            {'$fun', [case erlang:fun_info(F, Item) of
                          {env, E} -> canon(E);
                          {pid, P} -> P;
                          {_, V} -> V
                      end || Item <- [module, name, arity, index, new_index, uniq, new_uniq, pid, env]]}
    end;
canon(X) -> X.

%% Whether the term holds a map of more than 32 keys anywhere (BEAM writes those in
%% its hash order, which no other encoder reproduces).
has_large_map(T) -> any_map(fun(M) -> map_size(M) > 32 end, T).

%% Whether the running release writes some map of T in an order no other node can
%% reproduce: maps of more than 32 keys (hash order) on every release, and from OTP 26
%% on also small maps with two or more keys holding atoms, whose atom keys are ordered
%% by the node's own atom table index instead of alphabetically.
unfixed_map_order(T) ->
    has_large_map(T) orelse
        (list_to_integer(erlang:system_info(otp_release)) >= 26 andalso
         any_map(fun(M) -> length([K || K <- maps:keys(M), has_atom(K)]) >= 2 end, T)).

%% Whether Pred holds for some map within T, fun environments included.
any_map(Pred, M) when is_map(M) ->
    Pred(M) orelse lists:any(fun({K, V}) -> any_map(Pred, K) orelse any_map(Pred, V) end, maps:to_list(M));
any_map(Pred, [H | T]) -> any_map(Pred, H) orelse any_map(Pred, T);
any_map(Pred, T) when is_tuple(T) -> any_map(Pred, tuple_to_list(T));
any_map(Pred, F) when is_function(F) ->
    case erlang:fun_info(F, type) of
        {type, local} -> {env, E} = erlang:fun_info(F, env), any_map(Pred, E);
        _ -> false
    end;
any_map(_, _) -> false.

has_atom(A) when is_atom(A) -> true;
has_atom([H | T]) -> has_atom(H) orelse has_atom(T);
has_atom(T) when is_tuple(T) -> has_atom(tuple_to_list(T));
has_atom(M) when is_map(M) -> has_atom(maps:to_list(M));
has_atom(_) -> false.

%% Where two terms first differ under eq/2: {Path, A, B} in canonical form (see
%% canon/1), or `same`. Path lists tuple, list and sorted map-entry positions (1-based).
diff(A, B) ->
    CA = canon(A),
    CB = canon(B),
    case CA =:= CB of
        true -> same;
        false -> cdiff([], CA, CB)
    end.

cdiff(Path, A, B) when is_tuple(A), is_tuple(B), tuple_size(A) =:= tuple_size(B) ->
    cdiff_seq(Path, 1, tuple_to_list(A), tuple_to_list(B));
cdiff(Path, A, B) when is_list(A), is_list(B) -> cdiff_seq(Path, 1, A, B);
cdiff(Path, A, B) -> {lists:reverse(Path), A, B}.

cdiff_seq(Path, I, [X | Xs], [Y | Ys]) ->
    case X =:= Y of
        true -> cdiff_seq(Path, I + 1, Xs, Ys);
        false -> cdiff([I | Path], X, Y)
    end;
cdiff_seq(Path, I, Xs, Ys) -> {lists:reverse([{tail, I} | Path]), Xs, Ys}.
