package io.iamlet.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

/** `helm lint --strict`: the chart's structure, templates with the default values, and values.schema.json. */
class ChartLintTest {

    @Test
    void chartPassesStrictLint() {
        LintResult result = Chart.lintStrict();

        assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.startsWith("[ERROR]") || m.startsWith("[WARNING]"));
    }
}
