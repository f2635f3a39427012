fun lists:map/2
