fun erlang:'+'/2
