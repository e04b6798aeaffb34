// Sealing of minors' data with AES-256-GCM before it is stored: each case has
// its own data key, wrapped by the master key (so a purge shreds the case and
// the master key can be rotated). Keys never leave these objects and are
// wiped when destroyed; nothing here logs.
#pragma once

#include <boost/system/result.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caseroute::store {

// Formats (docs/ARCHITECTURE.md, "Sealed data"), first byte the version:
//   0x01  sealed with the master key itself (before per-case keys):
//         0x01 || 12-byte nonce || ciphertext || 16-byte tag, AAD the case id
//   0x02  a wrapped data key: 0x02 || 4-byte master key id || 12-byte nonce ||
//         32-byte ciphertext || 16-byte tag, AAD "key:" + what it belongs to
//   0x03  sealed with a case's data key: 0x03 || nonce || ciphertext || tag,
//         AAD purpose + ":" + case id (personal, note, reason)

// One 256-bit key: a case's data key, or a master key.
class data_key {
 public:
  static constexpr std::size_t size = 32;
  static data_key random();
  // Fails with error::bad_config unless raw32 is exactly 32 bytes.
  static boost::system::result<data_key> from_raw(std::string_view raw32);

  data_key(const data_key&) = default;
  data_key& operator=(const data_key&) = default;
  ~data_key();

  std::string seal(unsigned char version, std::string_view plaintext, std::string_view aad) const;
  // Fails with error::bad_record on a wrong version, length, key, aad or any tampering.
  boost::system::result<std::string> open(unsigned char version, std::string_view sealed, std::string_view aad) const;
  std::string_view raw() const { return {reinterpret_cast<const char*>(key_.data()), key_.size()}; }

 private:
  data_key() = default;
  std::array<unsigned char, size> key_{};
};

// What seals and opens one case's fields: its data key or, for a case stored
// before per-case keys, the master keys (format 0x01).
class case_keys {
 public:
  // purpose: "personal", "note" or "reason" (part of the AAD).
  std::string seal(std::string_view plaintext, std::string_view purpose) const;
  boost::system::result<std::string> open(std::string_view sealed, std::string_view purpose) const;

 private:
  friend class sealer;
  std::string case_id_;
  std::vector<data_key> keys_;  // the first one seals; each is tried to open
};

// The master keys: the current one wraps, the current and the previous ones
// (during a rotation) unwrap. Copyable; lives as long as the case store.
class sealer {
 public:
  static constexpr std::size_t key_size = data_key::size;
  static constexpr std::size_t key_id_size = 4;

  // Fails with error::bad_config unless raw32 is exactly 32 bytes.
  static boost::system::result<sealer> from_key(std::string_view raw32);
  // A key still accepted for unwrapping (a rotation in progress).
  boost::system::result<void> add_previous(std::string_view raw32);

  // The current master key's id: 8 hex characters derived from the key.
  std::string key_id() const;
  // The id inside a wrapped key (8 hex characters), nullopt if not one.
  static std::optional<std::string> wrapped_key_id(std::string_view wrapped);

  // Wraps a data key under the current master key for `owner` (a case id).
  std::string wrap(const data_key& k, std::string_view owner) const;
  // Fails with error::bad_record, also when no configured master key has the
  // wrapped key's id.
  boost::system::result<data_key> unwrap(std::string_view wrapped, std::string_view owner) const;

  // The keys of one case from its wrapped key ("" for a case stored before
  // per-case keys: the master keys, the current one sealing).
  boost::system::result<case_keys> for_case(std::string_view case_id, std::string_view wrapped) const;

  // Which master key opens a format 0x01 blob (a case stored before per-case
  // keys): it becomes that case's data key when `caseroute key rotate`
  // migrates it. nullopt when none does.
  std::optional<data_key> legacy_key_for(std::string_view sealed, std::string_view aad) const;
  // The current master key as a data key: for a legacy case with nothing sealed yet.
  const data_key& current() const { return masters_.front().key; }

  // Format 0x01 with the current master key (seal) or any master key (open):
  // data stored before per-case keys.
  std::string seal(std::string_view plaintext, std::string_view aad) const;
  boost::system::result<std::string> open(std::string_view sealed, std::string_view aad) const;

 private:
  struct master {
    data_key key;
    std::string id;  // key_id_size raw bytes
  };
  explicit sealer(master current) : masters_{std::move(current)} {}
  std::vector<master> masters_;  // the current one first
};

}  // namespace caseroute::store
