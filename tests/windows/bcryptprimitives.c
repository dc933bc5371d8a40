/* Test fixture for running azfx.exe under Wine 8, which lacks bcryptprimitives.dll:
 * Rust's standard library on Windows takes its random bytes from ProcessPrng there.
 * This DLL forwards it to BCryptGenRandom. It is placed beside the exe for the Windows
 * test suite only and is never shipped (Windows 10 and later have the real one). */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
