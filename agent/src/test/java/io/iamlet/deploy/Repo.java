package io.iamlet.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository the tests run in: found by walking up from the working directory (the module). */
public final class Repo {
    private static final Path ROOT = findRoot();

    private Repo() {}

    public static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    private static Path findRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("daemonset/base/kustomization.yaml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no daemonset/base/kustomization.yaml above " + Path.of("").toAbsolutePath());
    }
}
