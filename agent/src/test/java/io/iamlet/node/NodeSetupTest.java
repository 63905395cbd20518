package io.iamlet.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The command sequence node-setup issues, against a scripted host. The real commands run in NodeNamespaceIT. */
class NodeSetupTest {

    static final String LINK_SHOW = "ip -o link show dev iamlet0";
    static final String ADDR_SHOW = "ip -o addr show dev iamlet0";
    static final String NAT_LIST = "iptables -w 5 -t nat -S";
    static final String RESTORE = "iptables-restore -w 5 --noflush";
    static final String NO_LINK = "Device \"iamlet0\" does not exist.\n";
    static final String EMPTY_NAT = "-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n";
    static final String ENI_RULE = "-A IAMLET-PREROUTING -d 169.254.169.254/32 -i eni+ -p tcp -m tcp --dport 80 "
            + "-m comment --comment iamlet -j DNAT --to-destination 10.0.3.7:8181";
    static final String CALI_RULE = ENI_RULE.replace("eni+", "cali+");
    static final String JUMP = "-A PREROUTING -m comment --comment iamlet -j IAMLET-PREROUTING";
    static final String CONFIGURED_NAT = EMPTY_NAT + "-N IAMLET-PREROUTING\n" + JUMP + "\n" + ENI_RULE + "\n";
    static final String BOTH_ADDRESSES = """
            7: iamlet0    inet 169.254.170.23/32 scope global iamlet0\\       valid_lft forever preferred_lft forever
            7: iamlet0    inet6 fd00:ec2::23/128 scope global nodad \\       valid_lft forever preferred_lft forever
            7: iamlet0    inet6 fe80::f4d9:dff:fefe:d04b/64 scope link \\       valid_lft forever preferred_lft forever
            """;

    final ScriptedRunner host = new ScriptedRunner();

    static NodeSetupSettings settings(List<String> podInterfaces, int port) {
        return NodeSetupSettings.parse("iamlet0", NodeSetupSettings.DEFAULT_CONTAINER_ADDRESSES, podInterfaces,
                "10.0.3.7", port);
    }

    NodeSetupResult setUp(NodeSetupSettings settings) {
        return new NodeSetup(host, ScriptedRunner.TOOLS).apply(settings);
    }

    @Test
    void freshNodeGetsDummyLinkBothAddressesAndTheRedirectInOneTransaction() {
        host.onFailure(LINK_SHOW, 1, NO_LINK).onOutput(NAT_LIST, EMPTY_NAT);

        NodeSetupResult result = setUp(settings(List.of("eni+"), 8181));

        assertThat(host.commandLines()).containsExactly(
                LINK_SHOW,
                "ip link add iamlet0 type dummy",
                "ip link set dev iamlet0 up",
                ADDR_SHOW,
                "ip addr add 169.254.170.23/32 dev iamlet0",
                "ip addr add fd00:ec2::23/128 dev iamlet0 nodad",
                NAT_LIST,
                RESTORE);
        assertThat(host.stdinOf(RESTORE)).isEqualTo("""
                *nat
                :IAMLET-PREROUTING - [0:0]
                %s
                -I PREROUTING 1 -m comment --comment iamlet -j IAMLET-PREROUTING
                COMMIT
                """.formatted(ENI_RULE));
        assertThat(result).isEqualTo(new NodeSetupResult("dummy",
                List.of(InetAddress.ofLiteral("169.254.170.23"), InetAddress.ofLiteral("fd00:ec2::23")), true, List.of()));
    }

    @Test
    void kernelWithoutDummyTypeGetsAnEmptyBridge() {
        host.onFailure(LINK_SHOW, 1, NO_LINK)
                .onFailure("ip link add iamlet0 type dummy", 2, "Error: Unknown device type.\n")
                .onOutput(NAT_LIST, EMPTY_NAT);

        NodeSetupResult result = setUp(settings(List.of("eni+"), 8181));

        assertThat(host.commandLines()).containsSubsequence(
                "ip link add iamlet0 type dummy", "ip link add iamlet0 type bridge", "ip link set dev iamlet0 up");
        assertThat(result.linkType()).isEqualTo("bridge");
    }

    @Test
    void linkThatCanBeNeitherDummyNorBridgeFailsWithBothReasons() {
        host.onFailure(LINK_SHOW, 1, NO_LINK)
                .onFailure("ip link add iamlet0 type dummy", 2, "Error: Unknown device type.\n")
                .onFailure("ip link add iamlet0 type bridge", 2, "RTNETLINK answers: Operation not permitted\n");

        assertThatThrownBy(() -> setUp(settings(List.of("eni+"), 8181)))
                .isInstanceOf(NodeCommandException.class)
                .hasMessageContaining("Unknown device type")
                .hasMessageContaining("Operation not permitted");
        assertThat(host.commandLines()).doesNotContain(NAT_LIST, RESTORE);
    }

    @Test
    void secondRunOnAConfiguredNodeWritesNothing() {
        host.onOutput(ADDR_SHOW, BOTH_ADDRESSES).onOutput(NAT_LIST, CONFIGURED_NAT);

        NodeSetupResult result = setUp(settings(List.of("eni+"), 8181));

        assertThat(host.commandLines()).containsExactly(
                LINK_SHOW, "ip link set dev iamlet0 up", ADDR_SHOW, NAT_LIST);
        assertThat(result).isEqualTo(new NodeSetupResult("existing", List.of(), false, List.of()));
    }

    @Test
    void tentativeIpv6AddressIsReplacedWithNodadSoItCanBeBound() {
        host.onOutput(ADDR_SHOW, BOTH_ADDRESSES.replace("global nodad", "global tentative"))
                .onOutput(NAT_LIST, CONFIGURED_NAT);

        NodeSetupResult result = setUp(settings(List.of("eni+"), 8181));

        assertThat(host.commandLines()).contains("ip addr replace fd00:ec2::23/128 dev iamlet0 nodad")
                .doesNotContain("ip addr add 169.254.170.23/32 dev iamlet0");
        assertThat(result.addressesAdded()).containsExactly(InetAddress.ofLiteral("fd00:ec2::23"));
    }

    @Test
    void nodeWithoutIpv6GetsAWarningAndStillTheIpv4AddressAndRedirect() {
        host.onFailure(LINK_SHOW, 1, NO_LINK)
                .onFailure("ip addr add fd00:ec2::23/128 dev iamlet0 nodad", 2, "RTNETLINK answers: Permission denied\n")
                .onOutput(NAT_LIST, EMPTY_NAT);

        NodeSetupResult result = setUp(settings(List.of("eni+"), 8181));

        assertThat(result.addressesAdded()).containsExactly(InetAddress.ofLiteral("169.254.170.23"));
        assertThat(result.warnings()).singleElement().asString()
                .contains("fd00:ec2::23/128", "Permission denied");
        assertThat(result.redirectChanged()).isTrue();
    }

    @Test
    void ipv4AddressFailureStopsBeforeTheRedirect() {
        host.onFailure("ip addr add 169.254.170.23/32 dev iamlet0", 2, "RTNETLINK answers: Operation not permitted\n");

        assertThatThrownBy(() -> setUp(settings(List.of("eni+"), 8181)))
                .isInstanceOf(NodeCommandException.class)
                .hasMessageContaining("ip addr add 169.254.170.23/32 dev iamlet0")
                .hasMessageContaining("Operation not permitted");
        assertThat(host.commandLines()).doesNotContain(NAT_LIST);
    }

    @Test
    void changedPodInterfacesRebuildTheChainKeepingOneJump() {
        host.onOutput(ADDR_SHOW, BOTH_ADDRESSES).onOutput(NAT_LIST, CONFIGURED_NAT);

        setUp(settings(List.of("eni+", "cali+"), 8181));

        assertThat(host.stdinOf(RESTORE)).isEqualTo("""
                *nat
                :IAMLET-PREROUTING - [0:0]
                %s
                %s
                COMMIT
                """.formatted(ENI_RULE, CALI_RULE));
    }

    @Test
    void duplicateJumpsFromEarlierRunsAreReducedToOne() {
        host.onOutput(ADDR_SHOW, BOTH_ADDRESSES).onOutput(NAT_LIST, CONFIGURED_NAT + JUMP + "\n" + JUMP + "\n");

        setUp(settings(List.of("eni+"), 8181));

        assertThat(host.stdinOf(RESTORE)).isEqualTo("""
                *nat
                :IAMLET-PREROUTING - [0:0]
                %s
                -D PREROUTING -m comment --comment iamlet -j IAMLET-PREROUTING
                -D PREROUTING -m comment --comment iamlet -j IAMLET-PREROUTING
                COMMIT
                """.formatted(ENI_RULE));
    }

    @Test
    void metadataPortZeroRemovesAnEarlierRedirect() {
        host.onOutput(ADDR_SHOW, BOTH_ADDRESSES).onOutput(NAT_LIST, CONFIGURED_NAT);

        NodeSetupResult result = setUp(settings(List.of("eni+"), 0));

        assertThat(host.stdinOf(RESTORE)).isEqualTo("""
                *nat
                :IAMLET-PREROUTING - [0:0]
                -D PREROUTING -m comment --comment iamlet -j IAMLET-PREROUTING
                -X IAMLET-PREROUTING
                COMMIT
                """);
        assertThat(result.redirectChanged()).isTrue();
    }

    @Test
    void missingIptablesFailsBeforeAnyCommandRuns() {
        Tools noIptables = new Tools("ip", Optional.empty(), Optional.empty());

        assertThatThrownBy(() -> new NodeSetup(host, noIptables).apply(settings(List.of("eni+"), 8181)))
                .isInstanceOf(NodeCommandException.class)
                .hasMessageContaining("iptables");
        assertThat(host.commandLines()).isEmpty();
    }

    @Test
    void rejectedRestoreIsReportedWithItsInputAndError() {
        host.onFailure(LINK_SHOW, 1, NO_LINK).onOutput(NAT_LIST, EMPTY_NAT)
                .onFailure(RESTORE, 2, "iptables-restore: line 3 failed\n");

        assertThatThrownBy(() -> setUp(settings(List.of("eni+"), 8181)))
                .isInstanceOf(NodeCommandException.class)
                .hasMessageContaining("line 3 failed")
                .hasMessageContaining(ENI_RULE);
    }

    // --- the proxy-port mode (--container-port other than 80) ---

    static final String NAT6_LIST = "ip6tables -w 5 -t nat -S";
    static final String RESTORE6 = "ip6tables-restore -w 5 --noflush";
    static final String CONTAINER_RULE = "-A IAMLET-CONTAINER -d 169.254.170.23/32 -p tcp -m tcp --dport 80 "
            + "-m comment --comment iamlet -j DNAT --to-destination 169.254.170.23:2702";
    static final String CONTAINER_RULE6 = "-A IAMLET-CONTAINER -d fd00:ec2::23/128 -p tcp -m tcp --dport 80 "
            + "-m comment --comment iamlet -j DNAT --to-destination [fd00:ec2::23]:2702";
    /** The proxy-port chain as node-setup writes it for one family, with that family's DNAT rule. */
    private static String containerChainWritten(String rule) {
        return """
                *nat
                :IAMLET-CONTAINER - [0:0]
                %s
                -I PREROUTING 1 -m comment --comment iamlet -j IAMLET-CONTAINER
                -I OUTPUT 1 -m comment --comment iamlet -j IAMLET-CONTAINER
                COMMIT
                """.formatted(rule);
    }

    static final String CONTAINER_JUMPS = """
            -A PREROUTING -m comment --comment iamlet -j IAMLET-CONTAINER
            -A OUTPUT -m comment --comment iamlet -j IAMLET-CONTAINER
            """;

    static NodeSetupSettings proxied(int metadataPort, int containerPort) {
        return NodeSetupSettings.parse("iamlet0", NodeSetupSettings.DEFAULT_CONTAINER_ADDRESSES, List.of("eni+"),
                "10.0.3.7", metadataPort, containerPort);
    }

    @Test
    void proxyPortRedirectsPort80OfBothContainerAddressesForPodsAndHostNetworkPods() {
        host.onOutput(ADDR_SHOW, BOTH_ADDRESSES).onOutput(NAT_LIST, EMPTY_NAT).onOutput(NAT6_LIST, EMPTY_NAT);

        NodeSetupResult result = new NodeSetup(host, ScriptedRunner.TOOLS_V6).apply(proxied(8181, 2702));

        assertThat(host.stdinOf(RESTORE)).isEqualTo("""
                *nat
                :IAMLET-PREROUTING - [0:0]
                %s
                -I PREROUTING 1 -m comment --comment iamlet -j IAMLET-PREROUTING
                :IAMLET-CONTAINER - [0:0]
                %s
                -I PREROUTING 1 -m comment --comment iamlet -j IAMLET-CONTAINER
                -I OUTPUT 1 -m comment --comment iamlet -j IAMLET-CONTAINER
                COMMIT
                """.formatted(ENI_RULE, CONTAINER_RULE));
        assertThat(host.stdinOf(RESTORE6)).isEqualTo(containerChainWritten(CONTAINER_RULE6));
        assertThat(result.redirectChanged()).isTrue();
    }

    @Test
    void proxyPortAlreadyInPlaceWritesNothing() {
        host.onOutput(ADDR_SHOW, BOTH_ADDRESSES)
                .onOutput(NAT_LIST, CONFIGURED_NAT + "-N IAMLET-CONTAINER\n" + CONTAINER_JUMPS + CONTAINER_RULE + "\n")
                .onOutput(NAT6_LIST, EMPTY_NAT + "-N IAMLET-CONTAINER\n" + CONTAINER_JUMPS + CONTAINER_RULE6 + "\n");

        NodeSetupResult result = new NodeSetup(host, ScriptedRunner.TOOLS_V6).apply(proxied(8181, 2702));

        assertThat(host.commandLines()).doesNotContain(RESTORE, RESTORE6);
        assertThat(result.redirectChanged()).isFalse();
    }

    @Test
    void backToPort80RemovesTheProxyRedirectInBothFamilies() {
        host.onOutput(ADDR_SHOW, BOTH_ADDRESSES)
                .onOutput(NAT_LIST, CONFIGURED_NAT + "-N IAMLET-CONTAINER\n" + CONTAINER_JUMPS + CONTAINER_RULE + "\n")
                .onOutput(NAT6_LIST, EMPTY_NAT + "-N IAMLET-CONTAINER\n" + CONTAINER_JUMPS + CONTAINER_RULE6 + "\n");

        new NodeSetup(host, ScriptedRunner.TOOLS_V6).apply(proxied(8181, 80));

        String removal = """
                *nat
                :IAMLET-CONTAINER - [0:0]
                -D PREROUTING -m comment --comment iamlet -j IAMLET-CONTAINER
                -D OUTPUT -m comment --comment iamlet -j IAMLET-CONTAINER
                -X IAMLET-CONTAINER
                COMMIT
                """;
        assertThat(host.stdinOf(RESTORE)).isEqualTo(removal);
        assertThat(host.stdinOf(RESTORE6)).isEqualTo(removal);
    }

    @Test
    void proxyPortWithoutIp6tablesLeavesTheIpv6AddressOffTheLinkRatherThanPort80ToAnotherProcess() {
        host.onFailure(LINK_SHOW, 1, NO_LINK).onOutput(NAT_LIST, EMPTY_NAT);

        NodeSetupResult result = setUp(proxied(8181, 2702));

        assertThat(host.commandLines()).doesNotContain("ip addr add fd00:ec2::23/128 dev iamlet0 nodad")
                .contains("ip addr add 169.254.170.23/32 dev iamlet0");
        assertThat(result.warnings()).singleElement().asString().contains("fd00:ec2::23", "ip6tables", "left out");
    }

    @Test
    void proxyPortRedirectIsInPlaceBeforeTheFirstAddressIsAdded() {
        host.onFailure(LINK_SHOW, 1, NO_LINK).onOutput(NAT_LIST, EMPTY_NAT).onOutput(NAT6_LIST, EMPTY_NAT);

        new NodeSetup(host, ScriptedRunner.TOOLS_V6).apply(proxied(8181, 2702));

        assertThat(host.commandLines()).containsSubsequence(RESTORE, RESTORE6,
                "ip addr add 169.254.170.23/32 dev iamlet0", "ip addr add fd00:ec2::23/128 dev iamlet0 nodad");
    }

    @Test
    void proxyPortWithAnUnusableIpv6NatTableLeavesTheIpv6AddressOut() {
        host.onFailure(LINK_SHOW, 1, NO_LINK).onOutput(NAT_LIST, EMPTY_NAT)
                .onFailure(NAT6_LIST, 3, "ip6tables v1.8.9: can't initialize ip6tables table `nat'\n");

        NodeSetupResult result = new NodeSetup(host, ScriptedRunner.TOOLS_V6).apply(proxied(8181, 2702));

        assertThat(host.commandLines()).doesNotContain("ip addr add fd00:ec2::23/128 dev iamlet0 nodad");
        assertThat(result.warnings()).singleElement().asString().contains("IPv6 nat table", "left out");
    }

    @Test
    void proxyPortOnANodeWithoutIpv6NeedsNoIp6tables() {
        host.onFailure(LINK_SHOW, 1, NO_LINK)
                .onFailure("ip addr add fd00:ec2::23/128 dev iamlet0 nodad", 2, "RTNETLINK answers: Permission denied\n")
                .onOutput(NAT_LIST, EMPTY_NAT);

        NodeSetupResult result = setUp(NodeSetupSettings.parse("iamlet0", List.of("169.254.170.23/32"),
                List.of("eni+"), "10.0.3.7", 0, 2702));

        assertThat(host.stdinOf(RESTORE)).isEqualTo(containerChainWritten(CONTAINER_RULE));
        assertThat(result.warnings()).isEmpty();
    }

    @Test
    void containerPortOutOfRangeIsRefused() {
        assertThatThrownBy(() -> proxied(8181, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--container-port");
        assertThatThrownBy(() -> proxied(8181, 65536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--container-port");
    }
}
