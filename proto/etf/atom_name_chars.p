a1_B@c
