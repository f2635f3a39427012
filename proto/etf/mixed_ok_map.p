{ok,#{id => 42,name => <<"enode">>,nested => #{deep => {x,y}},score => 9.5,tags => [a,b]}}
