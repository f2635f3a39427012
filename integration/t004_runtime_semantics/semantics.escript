#!/usr/bin/env escript
%%! -noshell
%% The runtime's semantics against the BEAM's: each scenario runs here, on this BEAM, and
%% as enode processes (enode_runtime_trace); what the observing process saw must be the
%% same. Pids and references become p0, p1, ... and r0, r1, ... in order of appearance,
%% and the stack of an error's exit reason becomes [] (C++ has no Erlang stack).
%%
%% usage: escript semantics.escript ENODE_RUNTIME_TRACE [SCENARIO...]
-mode(compile).

main([Trace | Only]) ->
    logger:set_primary_config(level, none), % the scenarios crash processes on purpose
    Dir = filename:dirname(escript:script_name()),
    [load(filename:join(Dir, M)) || M <- ["t004_server.erl", "t004_sup.erl"]],
    Names = case Only of [] -> [N || {N, _} <- scenarios()]; _ -> [list_to_atom(O) || O <- Only] end,
    Theirs = enode_traces(Trace, Names),
    Results = [compare(N, beam_trace(N), maps:get(N, Theirs, missing)) || N <- Names],
    Failed = [N || {N, false} <- Results],
    io:format("runtime semantics (OTP ~s): ~b scenarios, ~b differ~n",
              [erlang:system_info(otp_release), length(Names), length(Failed)]),
    halt(case Failed of [] -> 0; _ -> 1 end).

load(Src) ->
    {ok, Mod, Bin} = compile:file(Src, [binary, report_errors]),
    {module, Mod} = code:load_binary(Mod, Src, Bin).

compare(Name, Beam, Enode) ->
    case Beam =:= Enode of
        true -> {Name, true};
        false ->
            io:format("~p differs:~n  BEAM:  ~p~n  enode: ~p~n", [Name, Beam, Enode]),
            {Name, false}
    end.

enode_traces(Trace, Names) ->
    Port = open_port({spawn_executable, Trace},
                     [{args, [atom_to_list(N) || N <- Names]}, exit_status, binary, stream]),
    Out = collect(Port, <<>>),
    {ok, Tokens, _} = erl_scan:string(unicode:characters_to_list(Out)),
    maps:from_list(parse_all(Tokens)).

collect(Port, Acc) ->
    receive
        {Port, {data, D}} -> collect(Port, <<Acc/binary, D/binary>>);
        {Port, {exit_status, _}} -> Acc
    after 120000 -> error(enode_runtime_trace_timeout)
    end.

parse_all([]) -> [];
parse_all(Tokens) ->
    {Form, Rest} = lists:splitwith(fun({dot, _}) -> false; (_) -> true end, Tokens),
    [Dot | More] = Rest,
    {ok, Term} = erl_parse:parse_term(Form ++ [Dot]),
    [Term | parse_all(More)].

%% --- the BEAM side ------------------------------------------------------------------------

beam_trace(Name) ->
    Fun = proplists:get_value(Name, scenarios()),
    Self = self(),
    {Pid, Ref} = spawn_monitor(fun() -> Self ! {events, self(), Fun()} end),
    Events = receive {events, Pid, E} -> E after 30000 -> [no_events] end,
    Reason = receive {'DOWN', Ref, process, Pid, R} -> R after 30000 -> no_down end,
    Seen = case Reason of normal -> Events; _ -> Events ++ [{observer_ended, Reason}] end,
    try unregister(me) catch error:badarg -> ok end,
    normalize(Seen).

normalize(T) -> {N, _} = norm(T, {[], []}), N.

norm(P, {Ps, Rs}) when is_pid(P) -> label(P, Ps, $p, {Ps ++ [P], Rs}, {Ps, Rs});
norm(R, {Ps, Rs}) when is_reference(R) -> label(R, Rs, $r, {Ps, Rs ++ [R]}, {Ps, Rs});
norm({Reason, [{M, F, A, L} | _] = Stack}, Acc) when is_atom(M), is_atom(F), is_list(L),
                                                     (is_integer(A) orelse is_list(A)) ->
    %% an error's {Reason, Stack}: no stack on the C++ side
    true = is_list(Stack),
    norm({Reason, []}, Acc);
norm(T, Acc) when is_tuple(T) ->
    {L, Acc1} = norm_list(tuple_to_list(T), Acc),
    {list_to_tuple(L), Acc1};
norm([H | T], Acc) ->
    {H1, Acc1} = norm(H, Acc),
    {T1, Acc2} = norm(T, Acc1),
    {[H1 | T1], Acc2};
norm(X, Acc) -> {X, Acc}.

norm_list(L, Acc) -> lists:mapfoldl(fun norm/2, Acc, L).

label(X, Seen, Prefix, Added, Acc) ->
    case index(X, Seen, 0) of
        none -> {list_to_atom([Prefix | integer_to_list(length(Seen))]), Added};
        I -> {list_to_atom([Prefix | integer_to_list(I)]), Acc}
    end.

index(_, [], _) -> none;
index(X, [X | _], I) -> I;
index(X, [_ | T], I) -> index(X, T, I + 1).

idle() -> receive _ -> idle() end.
down(Ref) -> receive {'DOWN', Ref, _, _, _} = D -> D after 5000 -> no_down end.
down_reason(Ref) -> element(5, down(Ref)).
exit_from(P) -> receive {'EXIT', P, _} = E -> E after 5000 -> no_exit end.

scenarios() ->
    [{kill_link_trap, fun() ->
          process_flag(trap_exit, true),
          P = spawn_link(fun idle/0),
          exit(P, kill),
          [exit_from(P)]
      end},
     {exit_kill_via_link, fun() ->
          process_flag(trap_exit, true),
          P = spawn_link(fun() -> exit(kill) end),
          [exit_from(P)]
      end},
     {normal_exit_trap, fun() ->
          process_flag(trap_exit, true),
          P = spawn_link(fun() -> ok end),
          [exit_from(P)]
      end},
     {abnormal_kills_linked, fun() ->
          {_, Ref} = spawn_monitor(fun() ->
                                           spawn_link(fun() -> receive after 20 -> exit(boom) end end),
                                           idle()
                                   end),
          [down_reason(Ref)]
      end},
     {normal_spares_linked, fun() ->
          {_, Ref} = spawn_monitor(fun() ->
                                           spawn_link(fun() -> ok end),
                                           receive _ -> ok after 50 -> ok end,
                                           exit(still_alive)
                                   end),
          [down_reason(Ref)]
      end},
     {monitor_noproc, fun() ->
          {P, Ref} = spawn_monitor(fun() -> ok end),
          D1 = down(Ref),
          R2 = monitor(process, P),
          [D1, down(R2)]
      end},
     {monitor_unregistered_name, fun() ->
          Ref = monitor(process, no_such_name),
          [down(Ref)]
      end},
     {monitor_registered_name, fun() ->
          Parent = self(),
          spawn(fun() -> register(watched, self()), Parent ! ready, receive _ -> exit(bye) end end),
          receive ready -> ok end,
          Ref = monitor(process, watched),
          watched ! go,
          [down(Ref)]
      end},
     {link_dead_trap, fun() ->
          {P, Ref} = spawn_monitor(fun() -> ok end),
          _ = down(Ref),
          process_flag(trap_exit, true),
          link(P),
          [exit_from(P)]
      end},
     {link_dead_no_trap, fun() ->
          {P, Ref} = spawn_monitor(fun() -> ok end),
          _ = down(Ref),
          try link(P), [linked] catch error:E -> [{caught, error, E}] end
      end},
     {exit_self_normal, fun() ->
          {_, Ref} = spawn_monitor(fun() -> exit(self(), normal), exit(not_reached) end),
          [down_reason(Ref)]
      end},
     {exit_normal_ignored, fun() ->
          {P, Ref} = spawn_monitor(fun() -> receive go -> exit(got_go) end end),
          exit(P, normal),
          P ! go,
          [down_reason(Ref)]
      end},
     {trapped_exit2_then_kill, fun() ->
          Parent = self(),
          {P, Ref} = spawn_monitor(fun() ->
                                           process_flag(trap_exit, true),
                                           Parent ! ready,
                                           Fwd = fun F() -> receive M -> Parent ! {forwarded, M}, F() end end,
                                           Fwd()
                                   end),
          receive ready -> ok end,
          exit(P, please),
          E1 = receive {forwarded, _} = F1 -> F1 after 5000 -> none end,
          exit(P, kill),
          [E1, down(Ref)]
      end},
     {demonitor_flush, fun() ->
          {P, Ref} = spawn_monitor(fun() -> receive _ -> ok end end),
          R1 = monitor(process, P),
          exit(P, gone),
          timer:sleep(50),
          {message_queue_len, L1} = process_info(self(), message_queue_len),
          Active = demonitor(R1, [flush, info]),
          {message_queue_len, L2} = process_info(self(), message_queue_len),
          [L1 =:= 2, Active, L2, down(Ref)]
      end},
     {selective_receive, fun() ->
          [self() ! I || I <- [1, 2, 3, 4]],
          self() ! x,
          A = receive X when is_atom(X) -> X after 1000 -> none end,
          B = receive 3 -> 3 after 1000 -> none end,
          Rest = fun R(Acc) -> receive M -> R([M | Acc]) after 0 -> lists:reverse(Acc) end end,
          [A, B | Rest([])]
      end},
     {error_reason, fun() ->
          {_, Ref} = spawn_monitor(fun() -> error(boom) end),
          [down_reason(Ref)]
      end},
     {throw_reason, fun() ->
          {_, Ref} = spawn_monitor(fun() -> throw(ball) end),
          [down_reason(Ref)]
      end},
     {send_to_names, fun() ->
          E1 = try no_such_name ! x, sent catch error:E -> {caught, error, E} end,
          {no_such_name, node()} ! x,
          register(me, self()),
          E2 = try register(me_too, self()), registered catch error:E2x -> {caught, error, E2x} end,
          me ! to_me,
          M = receive Mx -> Mx after 1000 -> none end,
          [E1, name_node_sent, E2, M]
      end},
     {unlink_then_exit, fun() ->
          P = spawn_link(fun() -> receive _ -> exit(bad) end end),
          unlink(P),
          Ref = monitor(process, P),
          P ! go,
          [down_reason(Ref), survived]
      end},
     {timers, fun() ->
          erlang:send_after(10, self(), tick),
          M1 = receive X -> X after 5000 -> none end,
          T = erlang:start_timer(10, self(), tock),
          M2 = receive Y -> Y after 5000 -> none end,
          C = erlang:send_after(10000, self(), never),
          [M1, M2 =:= {timeout, T, tock}, is_integer(erlang:cancel_timer(C)), is_integer(erlang:cancel_timer(C))]
      end},
     {gen_server_call_errors, fun() ->
          {ok, _} = gen_server:start({local, srv}, t004_server, [], []),
          R1 = gen_server:call(srv, {echo, hello}),
          R2 = try gen_server:call(srv, {sleep, 200}, 20) catch exit:E -> E end,
          R3 = try gen_server:call(no_server, x) catch exit:E3 -> E3 end,
          ok = gen_server:stop(srv),
          [R1, R2, R3, whereis(srv) =/= undefined]
      end},
     {supervisor_children, fun() ->
          {ok, Sup} = supervisor:start_link(t004_sup, []),
          Before = supervisor:which_children(Sup),
          Count = supervisor:count_children(Sup),
          W1 = proplists_pid(w1, Before), W2 = proplists_pid(w2, Before),
          exit(W1, crash),
          exit(W2, crash),
          timer:sleep(50),
          After = supervisor:which_children(Sup),
          T1 = supervisor:terminate_child(Sup, w1),
          Which = supervisor:which_children(Sup),
          D = supervisor:delete_child(Sup, nope),
          unlink(Sup),
          exit(Sup, shutdown),
          [Count, length(After), proplists_pid(w1, After) =/= W1, T1, Which, D]
      end}].

proplists_pid(Id, Children) -> element(2, lists:keyfind(Id, 1, Children)).
