package io.iamlet.associations;

import static io.iamlet.associations.Fixtures.ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The precedence table of docs/associations.md, row by row. */
class AssociationIndexTest {

    /**
     * @param associations {@code name=namespace/serviceAccount>role}, separated by spaces; role {@code BAD} is a
     *                     malformed ARN
     * @param query        {@code namespace/serviceAccount}
     * @param expected     a role name, {@code none}, {@code tie:a,b} or {@code invalid:a}
     */
    @ParameterizedTest(name = "[{index}] {3}")
    @CsvSource(delimiter = '|', textBlock = """
            a=team/app>r1 b=team/*>r2              | team/app   | r1          | exact namespace and SA beat an SA glob
            a=team/app>r1 b=team/*>r2              | team/web   | r2          | a less specific match applies where the specific one does not
            a=team/*>r1 b=t*/app>r2                | team/app   | r1          | exact namespace beats namespace glob, whatever the SA
            a=team-*/app>r1 b=t*/app>r2            | team-x/app | r1          | longer literal namespace glob wins
            a=team-*/app>r1 b=team-*/*>r2          | team-x/app | r1          | same namespace glob: exact SA beats SA glob
            a=team/app-*>r1 b=team/a*>r2           | team/app-1 | r1          | longer literal SA glob wins
            a=t*/app>r1 b=team-*/*>r2              | team-x/app | r2          | namespace specificity is compared before SA
            a=*/*>r1                               | any/thing  | r1          | catch-all
            a=team/app>r1                          | other/app  | none        | no match
            a=team-*/app>r1 b=*-prod/app>r2        | team-prod/app | tie:a,b  | equally specific, different roles: tie
            z=team-*/app>r1 a=*-prod/app>r2        | team-prod/app | tie:a,z  | tie names in alphabetical order
            a=team/app>r1 b=team/app>r2            | team/app   | tie:a,b     | duplicates with different roles tie
            a=team-*/app>r1 b=*-prod/app>r1        | team-prod/app | r1       | equally specific, same grant: no conflict
            a=team-*/app>r1 b=*-prod/app>r2 c=team-prod/app>r3 | team-prod/app | r3 | a more specific association settles a tie
            a=team/app>BAD b=team/*>r2             | team/app   | invalid:a   | a broken most specific association denies
            a=team/app>r1 b=team/*>BAD             | team/app   | r1          | a broken less specific one does not matter
            a=team/app>r1 b=team/app>BAD           | team/app   | tie:a,b     | a broken equal one ties
            """)
    void mostSpecificWins(String associations, String query, String expected, String rule) {
        List<PodIdentityAssociation> objects = parse(associations);
        String[] q = query.split("/");
        assertThat(describe(new AssociationIndex(objects.stream().map(Association::of).toList()).match(q[0], q[1])))
                .as(rule).isEqualTo(expected);

        List<PodIdentityAssociation> reversed = new ArrayList<>(objects);
        Collections.reverse(reversed);
        assertThat(describe(new AssociationIndex(reversed.stream().map(Association::of).toList()).match(q[0], q[1])))
                .as(rule + ", whatever the order they arrived in").isEqualTo(expected);
    }

    @Test
    void unmatchableAssociationsAreCountedButNeverMatch() {
        var broken = Fixtures.association("broken", "Team_A", "app", "r1");
        var index = new AssociationIndex(List.of(Association.of(broken)));
        assertThat(index.size()).isEqualTo(1);
        assertThat(index.match("team_a", "app")).isEqualTo(Match.NONE);
        assertThat(index.match("Team_A", "app")).isEqualTo(Match.NONE);
    }

    @Test
    void grantCarriesTheAssociationsName() {
        var index = new AssociationIndex(List.of(Association.of(Fixtures.association("payments", "pay", "*", "r1"))));
        assertThat(index.match("pay", "api")).isInstanceOfSatisfying(Match.Granted.class, g -> {
            assertThat(g.grant().association()).isEqualTo("payments");
            assertThat(g.grant().source()).isEqualTo(RoleGrant.ASSOCIATION);
            assertThat(g.grant().roleArn()).isEqualTo(ACCOUNT + "r1");
        });
    }

    private static List<PodIdentityAssociation> parse(String text) {
        return Arrays.stream(text.trim().split("\\s+")).map(item -> {
            String name = item.substring(0, item.indexOf('='));
            String ns = item.substring(item.indexOf('=') + 1, item.indexOf('/'));
            String sa = item.substring(item.indexOf('/') + 1, item.indexOf('>'));
            String role = item.substring(item.indexOf('>') + 1);
            return Fixtures.association(name, ns, sa,
                    role.equals("BAD") ? "arn:aws:iam::1:role/" + role : ACCOUNT + role);
        }).toList();
    }

    private static String describe(Match match) {
        return switch (match) {
            case Match.None none -> "none";
            case Match.Granted g -> g.grant().roleArn().substring(ACCOUNT.length());
            case Match.Tie t -> "tie:" + t.first() + "," + t.second();
            case Match.Invalid i -> "invalid:" + i.association();
        };
    }
}
