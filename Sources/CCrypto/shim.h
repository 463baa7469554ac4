// Hashing (SHA-256) and the random source, from libcrypto.
#ifndef WARDEN_CCRYPTO_SHIM_H
#define WARDEN_CCRYPTO_SHIM_H
#include <openssl/sha.h>
#include <openssl/rand.h>
// EVP: a fetched digest and a reused context, for hashing on hot paths without a fetch per call.
#include <openssl/evp.h>
#endif
