package io.iamlet.pods;

import io.iamlet.pods.IpClaims.Owner;
import io.iamlet.pods.PodIndex.PodAt;
import io.iamlet.testing.ManualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class IpClaimsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final IpClaims claims = new IpClaims();

    static PodInfo pod(String name, Instant created, boolean terminating, String... ips) {
        return new PodInfo("ns", name, "uid-" + name, "sa", List.of(ips), Map.of(), created, terminating);
    }

    static PodInfo pod(String name, String... ips) {
        return pod(name, T0, false, ips);
    }

    @Test
    void indexesPodByEachOfItsIps() {
        PodInfo web = pod("web", "10.0.0.7", "fd00::7");

        IpClaims.Change change = claims.put(web);

        assertThat(claims.at("10.0.0.7")).contains(web);
        assertThat(claims.at("fd00::7")).contains(web);
        assertThat(claims.at("10.0.0.8")).isEmpty();
        assertThat(change.added()).containsExactly(web);
        assertThat(change.owners()).containsOnlyKeys("10.0.0.7", "fd00::7");
        assertThat(claims.pods()).containsExactly(web);
    }

    /** Which of two pods claiming one IP wins, whichever claimed it first. */
    @ParameterizedTest(name = "old terminating={0} at +{1}s, new terminating={2} at +{3}s -> {4}")
    @CsvSource({
            "true,  0, false, 60, new",   // IP reused while the old pod terminates
            "false, 0, false, 60, new",   // both live: the newer one
            "true,  0, true,  60, new",   // both terminating: the newer one
            "false, 0, true,  60, old",   // live beats terminating, even when older
            "true, 60, false,  0, new",   // live beats terminating, even when older (other way round)
    })
    void liveNewestPodWinsSharedIp(boolean oldTerminating, int oldAt, boolean newTerminating, int newAt,
            String winner) {
        PodInfo old = pod("old", T0.plusSeconds(oldAt), oldTerminating, "10.0.0.7");
        PodInfo young = pod("new", T0.plusSeconds(newAt), newTerminating, "10.0.0.7");

        IpClaims oldFirst = new IpClaims();
        oldFirst.put(old);
        oldFirst.put(young);
        IpClaims newFirst = new IpClaims();
        newFirst.put(young);
        newFirst.put(old);

        PodInfo expected = winner.equals("new") ? young : old;
        assertThat(oldFirst.at("10.0.0.7")).contains(expected);
        assertThat(newFirst.at("10.0.0.7")).contains(expected);
    }

    @Test
    void laterClaimWinsWhenCreationTimesTie() {
        PodInfo old = pod("old", "10.0.0.7");
        PodInfo young = pod("new", "10.0.0.7");

        claims.put(old);
        claims.put(young);
        claims.put(old); // a resync of the old pod does not make its claim newer

        assertThat(claims.at("10.0.0.7")).contains(young);
    }

    @Test
    void terminationHandsSharedIpToLivePod() {
        claims.put(pod("leaving", T0.plusSeconds(60), false, "10.0.0.7"));
        PodInfo staying = pod("staying", T0, false, "10.0.0.7");
        claims.put(staying);
        assertThat(claims.at("10.0.0.7")).map(PodInfo::name).contains("leaving");

        claims.put(pod("leaving", T0.plusSeconds(60), true, "10.0.0.7"));

        assertThat(claims.at("10.0.0.7")).contains(staying);
    }

    @ParameterizedTest(name = "old pod removed {0} the new pod claims the IP")
    @ValueSource(strings = {"before", "after"})
    void removingOldPodNeverDropsNewPodsClaim(String when) {
        PodInfo old = pod("old", T0, true, "10.0.0.7", "fd00::7");
        PodInfo young = pod("new", T0.plusSeconds(60), false, "10.0.0.7", "fd00::8");
        claims.put(old);
        if (when.equals("before")) {
            claims.remove(old.uid());
            claims.put(young);
        } else {
            claims.put(young);
            claims.remove(old.uid());
        }

        assertThat(claims.at("10.0.0.7")).contains(young);
        assertThat(claims.at("fd00::8")).contains(young);
        assertThat(claims.at("fd00::7")).isEmpty();
        assertThat(claims.pods()).containsExactly(young);
    }

    @Test
    void removedPodIsNeverReturned() {
        PodInfo web = pod("web", "10.0.0.7");
        claims.put(web);

        IpClaims.Change change = claims.remove(web.uid());

        assertThat(claims.at("10.0.0.7")).isEmpty();
        assertThat(claims.pods()).isEmpty();
        assertThat(claims.size()).isZero();
        assertThat(change.removed()).containsExactly(web);
        assertThat(change.owners()).isEmpty();
    }

    @Test
    void removingWinnerHandsIpBackToRemainingClaim() {
        PodInfo old = pod("old", T0, true, "10.0.0.7");
        PodInfo young = pod("new", T0.plusSeconds(1), false, "10.0.0.7");
        claims.put(old);
        claims.put(young);

        claims.remove(young.uid());

        // The terminating pod still holds the IP as far as the API server says: it is served again.
        assertThat(claims.at("10.0.0.7")).contains(old);
    }

    @Test
    void ipChangeFreesOldIpAndClaimsNewOne() {
        claims.put(pod("web", "10.0.0.7"));

        IpClaims.Change change = claims.put(pod("web", "10.0.0.9"));

        assertThat(claims.at("10.0.0.7")).isEmpty();
        assertThat(claims.at("10.0.0.9")).map(PodInfo::name).contains("web");
        assertThat(change.added()).isEmpty();
        assertThat(change.owners()).containsOnlyKeys("10.0.0.9");
    }

    @Test
    void updateReplacesSnapshotServedForIp() {
        claims.put(pod("web", T0, false, "10.0.0.7"));

        claims.put(pod("web", T0, true, "10.0.0.7"));

        assertThat(claims.at("10.0.0.7")).map(PodInfo::terminating).contains(true);
    }

    @Test
    void repeatedSnapshotChangesNothingVisible() {
        PodInfo web = pod("web", "10.0.0.7");
        claims.put(web);

        IpClaims.Change again = claims.put(web);

        assertThat(again.added()).isEmpty();
        assertThat(again.removed()).isEmpty();
        assertThat(claims.at("10.0.0.7")).contains(web);
        assertThat(claims.size()).isOne();
    }

    @Test
    void removingUnknownPodIsNoOp() {
        claims.put(pod("web", "10.0.0.7"));

        assertThat(claims.remove("uid-nobody")).isEqualTo(IpClaims.Change.NONE);
        assertThat(claims.remove("uid-web").removed()).hasSize(1);
        assertThat(claims.remove("uid-web")).isEqualTo(IpClaims.Change.NONE);
    }

    @Test
    void snapshotWithoutIpsRemovesPod() {
        claims.put(pod("web", "10.0.0.7"));

        IpClaims.Change change = claims.put(pod("web"));

        assertThat(change.removed()).extracting(PodInfo::name).containsExactly("web");
        assertThat(claims.at("10.0.0.7")).isEmpty();
    }

    @Test
    void twoLivePodsOnOneIpContestItUntilOneLeaves() {
        PodInfo old = pod("old", T0, false, "10.0.0.7");
        PodInfo young = pod("new", T0.plusSeconds(60), false, "10.0.0.7");
        claims.put(old);

        IpClaims.Change contested = claims.put(young);

        assertThat(claims.owner("10.0.0.7")).isEqualTo(new Owner(young, true));
        assertThat(contested.owners()).as("nobody may be handed a contested IP").isEmpty();

        IpClaims.Change settled = claims.delete(old.uid());

        assertThat(claims.owner("10.0.0.7")).isEqualTo(new Owner(young, false));
        assertThat(settled.owners()).containsEntry("10.0.0.7", young);
    }

    @Test
    void aTerminatingPodNeverContestsALiveOne() {
        PodInfo leaving = pod("old", T0, true, "10.0.0.7");
        PodInfo young = pod("new", T0.plusSeconds(60), false, "10.0.0.7");
        claims.put(leaving);

        IpClaims.Change change = claims.put(young);

        assertThat(claims.owner("10.0.0.7")).isEqualTo(new Owner(young, false));
        assertThat(change.owners()).containsEntry("10.0.0.7", young);
    }

    @Test
    void aContestedIpIsSettledWhenOnePodStartsTerminating() {
        PodInfo old = pod("old", T0, false, "10.0.0.7");
        claims.put(old);
        claims.put(pod("new", T0.plusSeconds(60), false, "10.0.0.7"));

        IpClaims.Change change = claims.put(pod("new", T0.plusSeconds(60), true, "10.0.0.7"));

        assertThat(claims.owner("10.0.0.7")).isEqualTo(new Owner(old, false));
        assertThat(change.owners()).containsEntry("10.0.0.7", old);
    }

    @Test
    void locatesATokensPodRelativeToTheSourceAddress() {
        PodInfo web = pod("web", "10.0.0.7", "fd00::7");
        claims.put(web);

        assertThat(claims.locate("fd00::7", web.uid())).isEqualTo(new PodAt.Here(web));
        assertThat(claims.locate("10.0.0.8", web.uid())).isEqualTo(new PodAt.Elsewhere(web));
        assertThat(claims.locate(null, web.uid())).isEqualTo(new PodAt.Elsewhere(web));
        assertThat(claims.locate("10.0.0.7", "uid-never-seen")).isNull();
    }

    @Test
    void eachLivePodContestingAnIpIsHereTheTerminatingLoserIsNot() {
        PodInfo a = pod("a", T0, false, "10.0.0.7");
        PodInfo b = pod("b", T0.plusSeconds(60), false, "10.0.0.7");
        PodInfo leaving = pod("leaving", T0.plusSeconds(120), true, "10.0.0.7");
        claims.put(a);
        claims.put(b);
        claims.put(leaving);

        assertThat(claims.locate("10.0.0.7", a.uid())).isEqualTo(new PodAt.Here(a));
        assertThat(claims.locate("10.0.0.7", b.uid())).isEqualTo(new PodAt.Here(b));
        assertThat(claims.locate("10.0.0.7", leaving.uid())).isEqualTo(new PodAt.Elsewhere(leaving));
    }

    @Test
    void aTerminatingPodAloneOnItsIpIsStillHere() {
        PodInfo leaving = pod("leaving", T0, true, "10.0.0.7");
        claims.put(leaving);

        assertThat(claims.locate("10.0.0.7", leaving.uid())).isEqualTo(new PodAt.Here(leaving));
    }

    @Test
    void aDeletedPodIsRememberedAsGoneForALimitedTime() {
        ManualTime time = new ManualTime();
        IpClaims remembering = new IpClaims(time);
        PodInfo web = pod("web", "10.0.0.7");
        remembering.put(web);

        remembering.delete(web.uid());

        assertThat(remembering.locate("10.0.0.7", web.uid())).isEqualTo(new PodAt.Gone(web.uid()));
        time.advance(IpClaims.GONE_MEMORY.minus(Duration.ofSeconds(1)));
        assertThat(remembering.locate("10.0.0.7", web.uid())).isEqualTo(new PodAt.Gone(web.uid()));
        time.advance(Duration.ofSeconds(1));
        assertThat(remembering.locate("10.0.0.7", web.uid())).as("forgotten: not known").isNull();
    }

    @Test
    void onlyADeletionLeavesATombstoneAndAReturnClearsIt() {
        PodInfo web = pod("web", "10.0.0.7");
        claims.delete(web.uid());
        assertThat(claims.locate("10.0.0.7", web.uid())).as("never indexed: no tombstone").isNull();

        claims.put(web);
        claims.remove(web.uid());
        assertThat(claims.locate("10.0.0.7", web.uid())).as("merely unindexed: no tombstone").isNull();

        claims.put(web);
        claims.delete(web.uid());
        claims.put(web);
        assertThat(claims.locate("10.0.0.7", web.uid())).isEqualTo(new PodAt.Here(web));
    }
}
