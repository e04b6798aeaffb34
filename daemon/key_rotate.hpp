// `caseroute key rotate`: rewraps every case key and the keyring under the
// current master key while the daemons keep running (docs/ARCHITECTURE.md,
// "Sealed data"). Prints counts only, never a key.
#pragma once

#include <string>

namespace caseroute {

// Loads the config, connects to its Redis, rotates; the exit code: 0 done,
// 1 some cases could not be opened or Redis failed, 2 a bad config.
int run_key_rotate(const std::string& config_path);

}  // namespace caseroute
