%% A gen_server on the BEAM side for enode's processes to call: a call returns
%% {reply_from_beam, Request}.
-module(t005_srv).
-behaviour(gen_server).
-export([start/1, init/1, handle_call/3, handle_cast/2]).

start(Name) -> gen_server:start({local, Name}, ?MODULE, [], []).
init([]) -> {ok, nostate}.
handle_call(Req, _From, S) -> {reply, {reply_from_beam, Req}, S}.
handle_cast(_, S) -> {noreply, S}.
