// libpq through Debian's libpq-dev. pkg-config adds -I/usr/include/postgresql;
// without pkg-config the header is still found under postgresql/.
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif
