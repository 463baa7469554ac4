// Hashing (SHA-256) and the random source, from libcrypto.
#ifndef WARDEN_CCRYPTO_SHIM_H
#define WARDEN_CCRYPTO_SHIM_H
#include <openssl/sha.h>
#include <openssl/rand.h>
#endif
