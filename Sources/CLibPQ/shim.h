// libpq's client header; the include path comes from pkg-config (libpq-dev puts it in /usr/include/postgresql).
#include <libpq-fe.h>
