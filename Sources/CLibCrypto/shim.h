// OpenSSL's libcrypto through Debian's libssl-dev (libpq-dev depends on it):
// its SHA-1 and SHA-256 use the processor's SHA instructions where it has them.
// The one-shot and context functions are marked deprecated since OpenSSL 3.0
// in favour of EVP; they are still built and kept, and a SHA256_CTX is a plain
// struct, so a running digest is a Swift value that can be copied and finished.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
