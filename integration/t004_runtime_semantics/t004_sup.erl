%% The supervisor of t004's BEAM side: a permanent and a temporary t004_server.
-module(t004_sup).
-behaviour(supervisor).
-export([init/1]).

init([]) ->
    Child = fun(Id, Restart) ->
                    #{id => Id, start => {t004_server, start_link, []}, restart => Restart, modules => []}
            end,
    {ok, {#{strategy => one_for_one, intensity => 3, period => 5},
          [Child(w1, permanent), Child(w2, temporary)]}}.
