// hiredis through Debian's libhiredis-dev (pkg-config adds -I/usr/include/hiredis).
#if __has_include(<hiredis.h>)
#include <hiredis.h>
#else
#include <hiredis/hiredis.h>
#endif
