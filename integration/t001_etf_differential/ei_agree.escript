#!/usr/bin/env escript
%%! -noshell
%% Differential decode against erl_interface: BEAM writes random terms to a file, and
%% enode_ei_agree decodes each with enode and walks it with ei, checking that both
%% read the same term. The BEAM side asserts that the program reports no mismatch.
%%
%% usage: escript ei_agree.escript ENODE_EI_AGREE_BINARY [SEED] [COUNT]
%% SEED defaults to $ENODE_SEED, else a fresh one; COUNT defaults to 5000.
-mode(compile).

main([Program | Rest]) ->
    ok = io:setopts([{encoding, unicode}]),
    load_gen(),
    {Seed, Count} = case Rest of
                        [] -> {etf_gen:pick_seed([]), 5000};
                        [S] -> {etf_gen:pick_seed([S]), 5000};
                        [S, C | _] -> {etf_gen:pick_seed([S]), list_to_integer(C)}
                    end,
    io:format("seed: ~b~n", [Seed]),
    etf_gen:seed(Seed),
    File = filename:join(tmp_dir(), io_lib:format("enode_ei_agree_~b_~s.etf", [Seed, os:getpid()])),
    {ok, Fd} = file:open(File, [write, raw, binary, delayed_write]),
    Minors = lists:foldl(fun(_, Acc) ->
                                 Opts = opts(),
                                 B = term_to_binary(etf_gen:term(), Opts),
                                 ok = file:write(Fd, [<<(byte_size(B)):32>>, B]),
                                 maps:update_with(Opts, fun(N) -> N + 1 end, 1, Acc)
                         end, #{}, lists:seq(1, Count)),
    ok = file:close(Fd),
    io:format("wrote ~b terms (~ts) to ~ts~n",
              [Count, lists:join(", ", [io_lib:format("~b with ~w", [N, O]) || {O, N} <- lists:sort(maps:to_list(Minors))]),
               File]),
    {Status, Output} = run(Program, [File]),
    io:put_chars(Output),
    Expected = io_lib:format("ei_agree: ~b terms, 0 mismatches", [Count]),
    case Status =:= 0 andalso string:find(Output, lists:flatten(Expected)) =/= nomatch of
        true ->
            ok = file:delete(File),
            halt(0);
        false ->
            io:format("FAILED with seed ~b: ~ts exited with status ~b (input kept in ~ts; "
                      "rerun: escript ~ts ~ts ~b ~b)~n",
                      [Seed, Program, Status, File, escript:script_name(), Program, Seed, Count]),
            halt(1)
    end;
main(_) ->
    io:format(standard_error, "usage: ei_agree.escript ENODE_EI_AGREE_BINARY [SEED] [COUNT]~n", []),
    halt(2).

%% Mostly what enode writes; some with minor version 1 (Latin-1 ATOM_EXT) and 0
%% (FLOAT_EXT strings as well). Never compressed: ei cannot read that.
opts() ->
    case rand:uniform(10) of
        N when N =< 7 -> [{minor_version, 2}];
        N when N =< 9 -> [{minor_version, 1}];
        10 -> [{minor_version, 0}]
    end.

tmp_dir() ->
    case os:getenv("TMPDIR") of
        false -> "/tmp";
        "" -> "/tmp";
        D -> D
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

run(Program, Args) ->
    Port = open_port({spawn_executable, Program},
                     [{args, Args}, exit_status, stderr_to_stdout, binary, stream]),
    collect(Port, []).

collect(Port, Acc) ->
    receive
        {Port, {data, D}} -> collect(Port, [Acc, D]);
        {Port, {exit_status, St}} -> {St, unicode:characters_to_list(iolist_to_binary(Acc))}
    after 240000 ->
            {timeout, unicode:characters_to_list(iolist_to_binary(Acc))}
    end.
