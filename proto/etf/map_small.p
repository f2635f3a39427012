#{a => 1,b => "two",c => <<"three">>,d => 4.0}
