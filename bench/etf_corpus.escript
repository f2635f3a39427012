#!/usr/bin/env escript
%%! -noshell
%% Writes the corpus for enode_bench_etf: realistic messages of a distributed Erlang
%% application, each as a 4-byte big-endian length and term_to_binary(T, [{minor_version, 2}]).
%%
%% usage: escript etf_corpus.escript OUT.etf [SEED]
%% Writes OUT.etf (every kind, shuffled) and OUT-<kind>.etf (one kind each).
%%
%% Integers stay outside 2^27..2^31 in magnitude (ids are small, timestamps are in
%% milliseconds): erl_interface's encoder writes those as SMALL_BIG_EXT where BEAM
%% writes INTEGER_EXT, and the benchmark checks that both encoders rebuild the corpus
%% byte for byte.
-mode(compile).

%% {Kind, how many}
-define(KINDS, [{gen_call, 1200}, {gen_reply, 600}, {map, 500}, {record, 600},
                {log_event, 300}, {int_list, 40}, {binary_4k, 40}]).

main([Out | Rest]) ->
    Seed = case Rest of
               [S | _] -> list_to_integer(S);
               [] -> 42
           end,
    _ = rand:seed(exsss, Seed),
    ByKind = [{Kind, [term_to_binary(make(Kind), [{minor_version, 2}]) || _ <- lists:seq(1, N)]}
              || {Kind, N} <- ?KINDS],
    All = shuffle(lists:append([Bs || {_, Bs} <- ByKind])),
    write(Out, All),
    Base = filename:rootname(Out),
    [write(Base ++ "-" ++ atom_to_list(Kind) ++ ".etf", Bs) || {Kind, Bs} <- ByKind],
    halt(0);
main(_) ->
    io:format(standard_error, "usage: etf_corpus.escript OUT.etf [SEED]~n", []),
    halt(2).

write(File, Bins) ->
    ok = file:write_file(File, [[<<(byte_size(B)):32>>, B] || B <- Bins]),
    Bytes = lists:sum([byte_size(B) || B <- Bins]),
    io:format("~s: ~b terms, ~b bytes~n", [File, length(Bins), Bytes]).

shuffle(Xs) -> [X || {_, X} <- lists:sort([{rand:uniform(), X} || X <- Xs])].

%% --- message kinds ---------------------------------------------------------------------

%% gen_server:call/2 as OTP 25 sends it: {'$gen_call', {From, [alias | Ref]}, Request}.
make(gen_call) ->
    {'$gen_call', {pid(), [alias | ref()]}, request()};
make(gen_reply) ->
    {[alias | ref()], pick([ok, {ok, account()}, {ok, [session() || _ <- lists:seq(1, rand:uniform(5))]},
                            {error, pick([not_found, timeout, {badarg, name()}])}])};
%% A map of 10 to 50 keys, JSON-like: atom keys, a few binary ones, mixed values.
make(map) ->
    N = 10 + rand:uniform(41) - 1,
    Keys = lists:sublist(shuffle(field_names()), N - 2),
    maps:from_list([{<<"trace_id">>, hex_id()}, {<<"span">>, rand:uniform(100000)}
                    | [{K, field_value(K)} || K <- Keys]]);
%% Nested records.
make(record) ->
    {user, rand:uniform(1 bsl 26), name(), email(),
     {address, street(), city(), zip(), pick(['US', 'DE', 'FR', 'JP', 'BR'])},
     [{order, rand:uniform(1 bsl 26), timestamp(),
       [{item, sku(), rand:uniform(10), price()} || _ <- lists:seq(1, rand:uniform(6))],
       pick([pending, paid, shipped, delivered])}
      || _ <- lists:seq(1, rand:uniform(4))],
     pick([active, suspended, deleted]), timestamp()};
make(log_event) ->
    {log, pick([debug, info, notice, warning, error]), timestamp(), node_name(), pid(),
     message_text(),
     [{module, pick([my_app_server, my_app_db, my_app_http, cowboy_handler])},
      {line, rand:uniform(2000)}, {request_id, hex_id()}, {user_id, rand:uniform(1 bsl 26)}]};
%% A list of 1000 integers (counters, ids), beyond 255 so that it is not a string.
make(int_list) ->
    [256 + rand:uniform(1 bsl 26) || _ <- lists:seq(1, 1000)];
make(binary_4k) ->
    {chunk, rand:uniform(100000), rand:bytes(4096)}.

request() ->
    pick([{get_user, rand:uniform(1 bsl 26)},
          {get_user, rand:uniform(1 bsl 26), [profile, orders]},
          {lookup, name(), "session-" ++ integer_to_list(rand:uniform(99999))},
          {put, {cache, pick([users, sessions, tokens])}, hex_id(), account(), rand:uniform(3600)},
          {subscribe, pick([orders, payments, audit]), pid(), [{qos, 1}, {durable, true}]},
          {update_balance, rand:uniform(1 bsl 26), price(), pick(['USD', 'EUR', 'JPY']), timestamp()},
          get_state, ping]).

account() ->
    {account, rand:uniform(1 bsl 26), name(), email(), price(), pick([gold, silver, bronze]),
     timestamp()}.

session() ->
    {session, hex_id(), rand:uniform(1 bsl 26), ip(), timestamp(), pick([web, mobile, api])}.

field_names() ->
    [id, name, email, age, active, score, balance, currency, created_at, updated_at, tags,
     roles, country, city, zip, phone, locale, timezone, plan, seats, trial, referrer,
     last_login, login_count, avatar, bio, company, title, department, manager_id, team,
     flags, version, etag, status, source, campaign, notes, rating, verified, '2fa',
     settings, quota, usage, region, shard, parent, children, priority].

field_value(K) when K =:= id; K =:= manager_id; K =:= parent; K =:= seats; K =:= login_count;
                    K =:= age; K =:= version; K =:= shard; K =:= quota; K =:= usage ->
    rand:uniform(1 bsl 26);
field_value(K) when K =:= created_at; K =:= updated_at; K =:= last_login -> timestamp();
field_value(K) when K =:= score; K =:= balance; K =:= rating -> price();
field_value(K) when K =:= active; K =:= trial; K =:= verified; K =:= '2fa' -> pick([true, false]);
field_value(K) when K =:= tags; K =:= roles; K =:= children ->
    [pick([<<"admin">>, <<"beta">>, <<"vip">>, <<"staff">>, <<"eu">>, <<"us">>])
     || _ <- lists:seq(1, rand:uniform(4))];
field_value(K) when K =:= currency; K =:= plan; K =:= status; K =:= priority; K =:= source ->
    pick([free, pro, enterprise, open, closed, low, high, 'USD', 'EUR', web, api]);
field_value(settings) ->
    #{theme => pick([dark, light]), notifications => pick([true, false]), lang => <<"en">>};
field_value(notes) -> message_text();
field_value(_) -> name().

%% --- leaves ----------------------------------------------------------------------------

timestamp() -> 1690000000000 + rand:uniform(100000000).        % milliseconds

price() -> rand:uniform(1000000) / 100.

name() ->
    unicode:characters_to_binary([pick(["Alice", "Bob", "Carol", "Dave", "Eve", "Mallory", "Zoë", "Jürgen"]),
                    " ", pick(["Smith", "Jones", "Müller", "Tanaka", "García", "Nguyen"])]).

email() -> <<(hex_id())/binary, "@example.com">>.

street() -> iolist_to_binary([integer_to_list(rand:uniform(999)), " ", pick(["Main St", "Elm Ave", "Rue de Rivoli"])]).

city() -> pick([<<"Berlin">>, <<"Paris">>, <<"Tokyo">>, <<"São Paulo">>, <<"New York">>]).

zip() -> integer_to_list(10000 + rand:uniform(89999)).

sku() -> "SKU-" ++ integer_to_list(rand:uniform(999999)).

ip() -> {10, rand:uniform(255), rand:uniform(255), rand:uniform(255)}.

hex_id() -> list_to_binary([io_lib:format("~2.16.0b", [X]) || <<X>> <= rand:bytes(8)]).

message_text() ->
    pick(["request completed", "cache miss for key", "connection closed by peer",
          "retrying after timeout", "user logged in from new device"]).

node_name() -> pick(['app@host1', 'app@host2', 'db@host3']).

%% Pids and references of other nodes, from hand-made NEW_PID_EXT / NEWER_REFERENCE_EXT.
pid() ->
    binary_to_term(<<131, 88, (atom_ext(node_name()))/binary, (rand:uniform(1 bsl 15)):32,
                     (rand:uniform(4) - 1):32, 1690000001:32>>).

ref() ->
    binary_to_term(<<131, 90, 3:16, (atom_ext(node_name()))/binary, 1690000001:32,
                     (rand:uniform(1 bsl 18)):32, (rand:uniform(1 bsl 32) - 1):32,
                     (rand:uniform(1 bsl 32) - 1):32>>).

atom_ext(A) ->
    B = atom_to_binary(A, utf8),
    <<119, (byte_size(B)), B/binary>>.

pick(Xs) -> lists:nth(rand:uniform(length(Xs)), Xs).
