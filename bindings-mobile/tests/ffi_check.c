/* Compiles the C header that the generated Swift bindings sit on, links it against the
 * library and calls through it: what Swift does under the hood on iOS. */
#include <stdio.h>
#include <string.h>
#include "rdv_mobileFFI.h"

int main(void) {
    RustCallStatus status;
    memset(&status, 0, sizeof status);
    uint32_t version = uniffi_rdv_mobile_fn_func_snapshot_version(&status);
    if (status.code != 0 || version != 1) {
        fprintf(stderr, "snapshot_version: status %d, version %u\n", status.code, version);
        return 1;
    }
    uint32_t contract = ffi_rdv_mobile_uniffi_contract_version();
    /* Checksums let the Swift side detect a library/bindings mismatch at load time. */
    uint16_t checksum = uniffi_rdv_mobile_checksum_func_compute_slots();
    printf("c: snapshot_version() = %u through the FFI header (contract %u, compute_slots checksum %u)\n",
           version, contract, checksum);
    return 0;
}
