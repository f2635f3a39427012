{person,<<"Ann">>,42,[{email,"a@b.c"}],undefined}
