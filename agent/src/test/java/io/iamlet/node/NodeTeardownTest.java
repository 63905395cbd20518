package io.iamlet.node;

import static io.iamlet.node.NodeSetupTest.CONFIGURED_NAT;
import static io.iamlet.node.NodeSetupTest.EMPTY_NAT;
import static io.iamlet.node.NodeSetupTest.LINK_SHOW;
import static io.iamlet.node.NodeSetupTest.NAT_LIST;
import static io.iamlet.node.NodeSetupTest.NO_LINK;
import static io.iamlet.node.NodeSetupTest.RESTORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeTeardownTest {

    final ScriptedRunner host = new ScriptedRunner();

    boolean tearDown() {
        return new NodeTeardown(host, ScriptedRunner.TOOLS).apply("iamlet0");
    }

    @Test
    void removesOurChainAndJumpThenTheLink() {
        host.onOutput(NAT_LIST, CONFIGURED_NAT);

        assertThat(tearDown()).isTrue();

        assertThat(host.commandLines())
                .containsExactly(NAT_LIST, RESTORE, LINK_SHOW, "ip link del dev iamlet0", NAT_LIST);
        assertThat(host.stdinOf(RESTORE)).isEqualTo("""
                *nat
                :IAMLET-PREROUTING - [0:0]
                -D PREROUTING -m comment --comment iamlet -j IAMLET-PREROUTING
                -X IAMLET-PREROUTING
                COMMIT
                """);
    }

    @Test
    void emptyChainWithoutJumpIsStillRemoved() {
        host.onOutput(NAT_LIST, EMPTY_NAT + "-N IAMLET-PREROUTING\n").onFailure(LINK_SHOW, 1, NO_LINK);

        tearDown();

        assertThat(host.stdinOf(RESTORE)).isEqualTo("*nat\n:IAMLET-PREROUTING - [0:0]\n-X IAMLET-PREROUTING\nCOMMIT\n");
    }

    @Test
    void secondTeardownFindsNothingAndChangesNothing() {
        host.onOutput(NAT_LIST, EMPTY_NAT + "-A PREROUTING -p tcp -m tcp --dport 9999 -j DNAT --to-destination 10.0.0.1:9\n")
                .onFailure(LINK_SHOW, 1, NO_LINK);

        assertThat(tearDown()).isFalse();

        assertThat(host.commandLines()).containsExactly(NAT_LIST, LINK_SHOW, NAT_LIST);
    }

    @Test
    void refusesToRunWithoutIptablesRatherThanLeaveTheRedirectBehind() {
        Tools noIptables = new Tools("ip", Optional.empty(), Optional.empty());

        assertThatThrownBy(() -> new NodeTeardown(host, noIptables).apply("iamlet0"))
                .isInstanceOf(NodeCommandException.class)
                .hasMessageContaining("iptables");
        assertThat(host.commandLines()).isEmpty();
    }

    @Test
    void unexpectedLinkLookupErrorIsNotMistakenForAnAbsentLink() {
        host.onOutput(NAT_LIST, EMPTY_NAT).onFailure(LINK_SHOW, 255, "Cannot open netlink socket: Permission denied\n");

        assertThatThrownBy(this::tearDown)
                .isInstanceOf(NodeCommandException.class)
                .hasMessageContaining("Permission denied");
    }

    @Test
    void invalidLinkNameIsRejectedBeforeAnyCommand() {
        assertThatThrownBy(() -> new NodeTeardown(host, ScriptedRunner.TOOLS).apply("-all"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--link-name");
        assertThat(host.commandLines()).isEmpty();
    }

    @Test
    void removesTheProxyPortRedirectOfBothFamiliesToo() {
        host.onOutput(NAT_LIST, CONFIGURED_NAT + "-N IAMLET-CONTAINER\n" + NodeSetupTest.CONTAINER_JUMPS
                        + NodeSetupTest.CONTAINER_RULE + "\n")
                .onOutput(NodeSetupTest.NAT6_LIST, EMPTY_NAT + "-N IAMLET-CONTAINER\n" + NodeSetupTest.CONTAINER_JUMPS
                        + NodeSetupTest.CONTAINER_RULE6 + "\n");

        assertThat(new NodeTeardown(host, ScriptedRunner.TOOLS_V6).apply("iamlet0")).isTrue();

        // the metadata redirect first; the proxy redirect only once the link (and 169.254.170.23) is gone
        assertThat(host.commandLines()).containsSubsequence(RESTORE, "ip link del dev iamlet0", RESTORE,
                NodeSetupTest.RESTORE6);
        assertThat(host.calls().stream().filter(c -> c.line().equals(RESTORE)).map(ScriptedRunner.Call::stdin))
                .containsExactly("""
                        *nat
                        :IAMLET-PREROUTING - [0:0]
                        -D PREROUTING -m comment --comment iamlet -j IAMLET-PREROUTING
                        -X IAMLET-PREROUTING
                        COMMIT
                        """, """
                        *nat
                        :IAMLET-CONTAINER - [0:0]
                        -D PREROUTING -m comment --comment iamlet -j IAMLET-CONTAINER
                        -D OUTPUT -m comment --comment iamlet -j IAMLET-CONTAINER
                        -X IAMLET-CONTAINER
                        COMMIT
                        """);
        assertThat(host.stdinOf(NodeSetupTest.RESTORE6)).contains("-X IAMLET-CONTAINER");
    }
}
