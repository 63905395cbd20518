package io.iamlet.node;

import java.net.InetAddress;
import java.util.List;

/**
 * What {@code node-setup} did, for the CLI's summary line and the tests.
 *
 * @param linkType         {@code dummy} or {@code bridge} when the link was created now, {@code existing} otherwise
 * @param addressesAdded   container addresses added (or made usable) by this run; empty on a re-run
 * @param redirectChanged  whether the iptables rules were written by this run (false: already in place, or none
 *                         wanted and none present)
 * @param warnings         non-fatal problems, e.g. IPv6 unavailable on this node
 */
public record NodeSetupResult(String linkType, List<InetAddress> addressesAdded, boolean redirectChanged,
                              List<String> warnings) {

    public NodeSetupResult {
        addressesAdded = List.copyOf(addressesAdded);
        warnings = List.copyOf(warnings);
    }
}
