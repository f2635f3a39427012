{callback,fun lists:reverse/1}
