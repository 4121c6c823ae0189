#!/usr/bin/env bash
# No Swift compiler exists on this machine: check the generated Swift by structure (the public
# API names the README documents), then compile and call the generated C header from C.
# Usage: check_swift.sh <generated swift dir> <path/to/librdv_mobile.so>
set -euo pipefail
dir="$1"
lib="$2"
swift="$dir/rdv_mobile.swift"
header="$dir/rdv_mobileFFI.h"
for f in "$swift" "$header" "$dir/rdv_mobileFFI.modulemap"; do
  [ -s "$f" ] || { echo "missing $f"; exit 1; }
done
# Whitespace in generated signatures varies between uniffi versions: compare without spaces.
flat="$(tr -d ' \n' < "$swift")"
for needle in \
  'publicfunccomputeSlots(snapshotJson:String,query:SlotQuery)throws->SlotList' \
  'publicfuncexplainCandidates(snapshotJson:String,query:SlotQuery)throws->[Candidate]' \
  'publicfunccheckSlot(snapshotJson:String,resourceId:String,start:String,now:String)throws->UInt32' \
  'publicfuncvalidateBooking(businessJson:String,serviceJson:String,snapshotJson:String,clientId:String,clientBusy:[TimeInterval],request:BookingRequest,now:String)throws->ValidBooking' \
  'publicfuncfindOverlaps(intervals:[TimeInterval],query:TimeInterval)throws->[UInt32]' \
  'publicfuncfindOverlappingPair(intervals:[TimeInterval])throws->[UInt32]?' \
  'publicfuncexpandRecurrence(input:RecurrenceInput)throws->Expansion' \
  'publicfuncsnapshotVersion()->UInt32' \
  'publicstructSlotQuery' 'publicstructSlot:' 'publicstructSlotList' 'publicstructCandidate' \
  'publicstructTimeInterval' 'publicstructValidBooking' 'publicstructRecurrenceInput' \
  'publicstructExpansion' 'publicstructFieldError' 'enumRdvError:Swift.Error' 'caseFailure(' \
  ; do
  case "$flat" in
    *"$needle"*) ;;
    *) echo "generated Swift lacks: $needle"; exit 1 ;;
  esac
done
echo "swift: the generated API has every documented name"

# The C side of the Swift bindings: the generated header must compile, and its symbols must
# resolve against the library and be callable. gcc lacks clang's nullability qualifiers
# (_Nonnull), which the header uses for Swift: they are defined away.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
here="$(cd "$(dirname "$0")" && pwd)"
gcc -std=c11 -Wall -Werror -D_Nonnull= -D_Nullable= -I "$dir" "$here/ffi_check.c" -L "$(dirname "$lib")" -lrdv_mobile \
  -Wl,-rpath,"$(dirname "$lib")" -o "$work/ffi_check"
"$work/ffi_check"
