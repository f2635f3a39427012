%% The gen_server of t004's BEAM side: {echo, X} answers X, {sleep, Ms} sleeps first.
-module(t004_server).
-behaviour(gen_server).
-export([start_link/0, init/1, handle_call/3, handle_cast/2]).

start_link() -> gen_server:start_link(?MODULE, [], []).
init([]) -> {ok, none}.
handle_call({sleep, Ms}, _From, S) -> timer:sleep(Ms), {reply, slept, S};
handle_call({echo, X}, _From, S) -> {reply, X, S}.
handle_cast(_, S) -> {noreply, S}.
