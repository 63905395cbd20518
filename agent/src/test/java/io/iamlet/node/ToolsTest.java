package io.iamlet.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolsTest {

    @TempDir Path sbin;
    @TempDir Path bin;

    void executable(Path dir, String... names) throws IOException {
        for (String name : names) {
            Files.writeString(dir.resolve(name), "#!/bin/sh\n");
            Files.setPosixFilePermissions(dir.resolve(name), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    String path() {
        return bin + ":" + sbin;
    }

    @Test
    void prefersTheAlternativesSelectedIptables() throws IOException {
        executable(bin, "ip");
        executable(sbin, "iptables", "iptables-restore", "iptables-nft", "iptables-nft-restore");

        Tools tools = Tools.discover(path());

        assertThat(tools).isEqualTo(new Tools(bin.resolve("ip").toString(),
                Optional.of(sbin.resolve("iptables").toString()), Optional.of(sbin.resolve("iptables-restore").toString())));
    }

    @Test
    void fallsBackToIptablesNft() throws IOException {
        executable(sbin, "ip", "iptables-nft", "iptables-nft-restore", "iptables-legacy", "iptables-legacy-restore");

        assertThat(Tools.discover(path()).requireIptablesRestore()).isEqualTo(sbin.resolve("iptables-nft-restore").toString());
    }

    @Test
    void missingIpIsAClearError() throws IOException {
        executable(sbin, "iptables", "iptables-restore");

        assertThatThrownBy(() -> Tools.discover(path()))
                .isInstanceOf(NodeCommandException.class)
                .hasMessageContaining("'ip' (iproute2) not found");
    }

    @Test
    void iptablesWithoutItsRestoreCompanionIsAClearError() throws IOException {
        executable(sbin, "ip", "iptables");

        assertThatThrownBy(() -> Tools.discover(path()))
                .isInstanceOf(NodeCommandException.class)
                .hasMessageContaining("iptables-restore is missing");
    }

    @Test
    void nonExecutableFilesAreIgnored() throws IOException {
        executable(sbin, "ip");
        Files.writeString(bin.resolve("iptables"), "not a program");

        Tools tools = Tools.discover(path());

        assertThat(tools.iptables()).isEmpty();
        assertThatThrownBy(tools::requireIptables).hasMessageContaining("[iptables, iptables-nft, iptables-legacy]");
    }
}
