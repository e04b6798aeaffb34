// `caseroute key rotate`: rewraps every case's data key and the keyring under
// the current master key, and migrates cases stored before per-case keys
// (their data key becomes the master key that sealed them; youth, groups and
// digest move into the seal; the youth ref is keyed). Runs beside live daemons:
// each change is one compare-and-set script, retried when the case moved.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "store/crypto.hpp"
#include "store/keys.hpp"
#include "store/redis_connection.hpp"

namespace caseroute::store {

struct rotation_report {
  int cases = 0;      // cases seen
  int already = 0;    // wrapped by the current master key already
  int rewrapped = 0;  // rewrapped from a previous master key
  int migrated = 0;   // stored before per-case keys, migrated now
  int failed = 0;     // could not be opened with any configured key (left as they were)
  bool keyring_rewrapped = false;
  int youth_keys_renamed = 0;  // continuity sets named by a youth ref, renamed to its key
};

// Idempotent: a second run reports everything as `already`. Fails with
// error::bad_config when the keyring was wrapped by a master key that is not
// configured (nothing could be migrated without it), error::unavailable.
boost::asio::awaitable<boost::system::result<rotation_report>> rotate_keys(redis_connection& redis, keys k,
                                                                           sealer seal);

}  // namespace caseroute::store
