package io.iamlet.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class NodeSetupSettingsTest {

    static NodeSetupSettings parse(String link, List<String> addresses, List<String> interfaces, String hostIp, int port) {
        return NodeSetupSettings.parse(link, addresses, interfaces, hostIp, port);
    }

    @Test
    void defaultsAreValid() {
        NodeSetupSettings s = parse(NodeSetupSettings.DEFAULT_LINK_NAME, NodeSetupSettings.DEFAULT_CONTAINER_ADDRESSES,
                NodeSetupSettings.DEFAULT_POD_INTERFACES, "10.0.3.7", NodeSetupSettings.DEFAULT_METADATA_PORT);

        assertThat(s.containerAddresses()).containsExactly(
                InetAddress.ofLiteral("169.254.170.23"), InetAddress.ofLiteral("fd00:ec2::23"));
        assertThat(s.hostIp()).contains((java.net.Inet4Address) InetAddress.ofLiteral("10.0.3.7"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"eni+", "cali+", "cni0", "veth+", "lxc+", "gke+", "azv+", "weave", "a", "abcdefghijklmn+",
            "abcdefghijklmno"})
    void acceptsInterfaceNamesAndPrefixes(String pattern) {
        assertThat(parse("iamlet0", List.of("169.254.170.23"), List.of(pattern), "10.0.3.7", 8181).podInterfaces())
                .containsExactly(pattern);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-j", "+", "eni+x", "eni +", "eni\n+", "eni+;", "abcdefghijklmnop", "abcdefghijklmno+",
            "eni/0", "eni*", ".", ".."})
    void rejectsPodInterfacePatternsThatAreNotNames(String pattern) {
        assertThatThrownBy(() -> parse("iamlet0", List.of("169.254.170.23"), List.of(pattern), "10.0.3.7", 8181))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--pod-interface");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-iamlet", "iamlet 0", "iamlet0/x", "sixteen-chars-xx", "eni+", "."})
    void rejectsInvalidLinkNames(String name) {
        assertThatThrownBy(() -> parse(name, List.of("169.254.170.23"), List.of("eni+"), "10.0.3.7", 8181))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--link-name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"169.254.170.23/16", "fd00:ec2::23/64", "169.254.170.23/", "169.254.170.300", "localhost",
            "fe80::1%lo", "fd00:ec2::23/32", ""})
    void rejectsContainerAddressesThatAreNotHostLiterals(String address) {
        assertThatThrownBy(() -> parse("iamlet0", List.of(address), List.of("eni+"), "10.0.3.7", 8181))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--container-address");
    }

    @Test
    void requiresAtLeastOneContainerAddress() {
        assertThatThrownBy(() -> parse("iamlet0", List.of(), List.of("eni+"), "10.0.3.7", 8181))
                .hasMessageContaining("--container-address");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fd00::7", "node-1.internal", "127.0.0.1", "0.0.0.0", "169.254.169.254", "224.0.0.1"})
    void rejectsHostIpThatCannotBeTheRedirectTarget(String hostIp) {
        assertThatThrownBy(() -> parse("iamlet0", List.of("169.254.170.23"), List.of("eni+"), hostIp, 8181))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--host-ip");
    }

    @Test
    void hostIpIsRequiredOnlyWhenTheRedirectIsWanted() {
        assertThatThrownBy(() -> parse("iamlet0", List.of("169.254.170.23"), List.of("eni+"), null, 8181))
                .hasMessageContaining("--host-ip is required");
        assertThat(parse("iamlet0", List.of("169.254.170.23"), List.of("eni+"), " ", 0).hostIp()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536})
    void rejectsPortsOutOfRange(int port) {
        assertThatThrownBy(() -> parse("iamlet0", List.of("169.254.170.23"), List.of("eni+"), "10.0.3.7", port))
                .hasMessageContaining("--metadata-port must be in [0,65535]");
    }

    @Test
    void redirectNeedsAPodInterface() {
        assertThatThrownBy(() -> parse("iamlet0", List.of("169.254.170.23"), List.of(), "10.0.3.7", 8181))
                .hasMessageContaining("--pod-interface needs at least one");
    }
}
