{ok,[1.5,a,"s"],#{2.0 => float_key}}
