#!lua name=empty
return 1
