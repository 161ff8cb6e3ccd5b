// The audience index's snapshot: an IndexData saved to a file and read back, so that a restart
// loads a merchant's index in seconds instead of rebuilding it from the store (about 70 s at 10M
// customers). Private to the audience module; AudienceIndex::Build decides when to use one, and
// brings what it loads up to date with the store itself.
//
//   {
//       std::lock_guard no_refresh(data.refresh_mutex);
//       YT_TRY(WriteSnapshot(data, dir / "audience-1.snapshot"));
//   }
//   auto loaded = std::make_unique<IndexData>();
//   loaded->tenant = tenant;  // and db, keys, clock, settings, as Build sets them
//   YT_TRY(ReadSnapshot(dir / "audience-1.snapshot", *loaded));
//   std::unique_ptr<AudienceIndex> index = IndexAccess::Make(std::move(loaded));
//
// The file (index_snapshot.cpp describes it byte by byte) holds everything rules are evaluated
// on, in the host's (little-endian) byte order. Past a short cleartext header (magic, format
// version, tenant) it is sealed with the store's keys (`data.keys`, XChaCha20-Poly1305): attribute
// values, names and the rest are personal information, which is encrypted at rest, and the AEAD
// tags catch a torn, damaged or reordered file as well as a forged one. Not in it: the store, keys
// and clock, the settings, and what is remade on demand (window tallies, event property columns)
// or only describes past refreshes (`changes`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "yutang/audience/internal/index_data.hpp"
#include "yutang/base/status.hpp"

namespace yutang::audience::internal {

// The layout's version, written in every file; a file of another version is not read. Bump it
// whenever the layout changes, IndexData's fields included (a field that rules read must be
// written too).
inline constexpr uint32_t kSnapshotFormat = 3;

// The body is sealed in chunks of this many bytes (the last one shorter), each as one
// KeyRing::Encrypt: writing and reading hold one chunk besides the index, not a second copy of it.
inline constexpr size_t kSnapshotChunkBytes = size_t{4} << 20;
// The largest chunk ReadSnapshot takes (and WriteSnapshot writes): what one chunk may cost in memory.
inline constexpr size_t kMaxSnapshotChunkBytes = size_t{64} << 20;

// Writes everything rules are evaluated on, and the change-log position it is current as of
// (`logged`), to `file`, sealed with data.keys in chunks of `chunk_bytes` (tests make it small),
// atomically: to `file` + ".tmp.<pid>", synced, then renamed over `file` and the directory
// synced, so that `file` is always a whole snapshot (the old one or the new one), also when two
// processes save it at once. The caller holds data.refresh_mutex — so that no refresh changes the
// data, or `logged`, which that mutex guards, while they are written; evaluations go on — or owns
// `data` alone. One writer per file at a time in a process.
// Refreshes wait while it runs: about as long as the disk and the cipher take for the file,
// ~900 MB at 10M customers.
// failed_precondition when data.keys is null; invalid_argument when `chunk_bytes` is 0 or above
// kMaxSnapshotChunkBytes; unavailable when the file cannot be written, synced or renamed (the old
// file, if any, is kept then, and the temporary file removed).
Status WriteSnapshot(const IndexData& data, const std::filesystem::path& file,
                     size_t chunk_bytes = kSnapshotChunkBytes);

// Fills `data` from `file`, which WriteSnapshot wrote for the same tenant. The caller has set
// data.tenant (and db, keys, clock and settings, which the file does not hold); everything else
// is replaced. `changes` starts empty: ChangedSince knows only the version read and later ones.
// The index is as of `logged`, read too: catch up from there.
// not_found when there is no such file; failed_precondition when it is not a snapshot, is of
// another format version or another tenant, is sealed with a key that data.keys does not hold (or
// data.keys is null), or names a time zone this build does not know; internal ("data loss": there
// is no such code) when it is truncated, damaged, reordered or not sealed with these keys for this
// tenant (a chunk fails to decrypt), or does not hold a consistent index; unavailable when it
// cannot be read. On any error, `data` holds part of the file and must be thrown away. Safe on any
// bytes: every count is checked against the bytes left before anything is allocated, and
// everything the engine indexes by (column lengths, codes, offsets, bitmap members, the days of
// date attributes) is checked, so even a file sealed with the right keys (by a faulty writer, or
// anyone holding them) cannot make it read out of bounds. The other values (times, amounts,
// scores) are taken as they are.
Status ReadSnapshot(const std::filesystem::path& file, IndexData& data);

}  // namespace yutang::audience::internal
