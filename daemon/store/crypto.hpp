// Sealing of personal data (contact, summary) with AES-256-GCM before it is
// stored. The key never leaves this object and is wiped when it is destroyed;
// nothing here logs.
#pragma once

#include <boost/system/result.hpp>

#include <array>
#include <string>
#include <string_view>

namespace caseroute::store {

// Sealed format: 0x01 (version) || 12-byte random nonce || ciphertext || 16-byte tag.
// The additional authenticated data (the case id) binds a sealed blob to its
// case, so a blob copied to another case does not open.
class sealer {
 public:
  static constexpr std::size_t key_size = 32;

  // Fails with error::bad_config unless raw32 is exactly 32 bytes.
  static boost::system::result<sealer> from_key(std::string_view raw32);

  sealer(const sealer&) = default;
  sealer& operator=(const sealer&) = default;
  ~sealer();

  std::string seal(std::string_view plaintext, std::string_view aad) const;
  // Fails with error::bad_record on a wrong version, length, key, aad or any tampering.
  boost::system::result<std::string> open(std::string_view sealed, std::string_view aad) const;

 private:
  explicit sealer(std::string_view raw32);
  std::array<unsigned char, key_size> key_{};
};

}  // namespace caseroute::store
