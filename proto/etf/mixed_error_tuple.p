{error,{badarg,[{erlang,'+',[a,1],[]}]}}
