[{host,"localhost"},{port,4369},{opts,[binary,{active,false}]}]
