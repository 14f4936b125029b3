package dev.vigil.notifier.internal.channel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class SmsTextTest {
    static Stream<Arguments> measures() {
        return Stream.of(
                Arguments.of("", SmsText.Encoding.GSM7, 0, 1),
                Arguments.of("a".repeat(160), SmsText.Encoding.GSM7, 160, 1),
                Arguments.of("a".repeat(161), SmsText.Encoding.GSM7, 161, 2),
                Arguments.of("a".repeat(306), SmsText.Encoding.GSM7, 306, 2),
                Arguments.of("a".repeat(307), SmsText.Encoding.GSM7, 307, 3),
                // Greek capitals, £, é and ü are in the GSM 7-bit alphabet: one septet each.
                Arguments.of("ΔΦΓΛΩ £€ éü", SmsText.Encoding.GSM7, 12, 1),
                // Extension characters take two septets: 80 of them fill one segment.
                Arguments.of("{".repeat(80), SmsText.Encoding.GSM7, 160, 1),
                Arguments.of("€".repeat(81), SmsText.Encoding.GSM7, 162, 2),
                // 152 septets, then a two-septet character does not fit the first segment's 153.
                Arguments.of("a".repeat(152) + "[" + "a".repeat(10), SmsText.Encoding.GSM7, 164, 2),
                Arguments.of("a".repeat(152) + "[" + "a".repeat(152), SmsText.Encoding.GSM7, 306, 3),
                // One character outside GSM-7 (ç lower-case, â, a Chinese character) makes it UCS-2.
                Arguments.of("ça", SmsText.Encoding.UCS2, 2, 1),
                Arguments.of("a".repeat(69) + "â", SmsText.Encoding.UCS2, 70, 1),
                Arguments.of("a".repeat(70) + "中", SmsText.Encoding.UCS2, 71, 2),
                // An emoji is a surrogate pair: two UTF-16 units.
                Arguments.of("🔥".repeat(35), SmsText.Encoding.UCS2, 70, 1),
                Arguments.of("🔥".repeat(36), SmsText.Encoding.UCS2, 72, 2),
                // 66 units, then an emoji does not fit the first segment's 67: it moves whole.
                Arguments.of("a".repeat(66) + "🔥" + "a".repeat(66), SmsText.Encoding.UCS2, 134, 3));
    }

    @ParameterizedTest
    @MethodSource("measures")
    void measure_countsUnitsAndSegments(String text, SmsText.Encoding encoding, int units, int segments) {
        assertThat(SmsText.measure(text)).isEqualTo(new SmsText.Measure(encoding, units, segments));
    }

    @Test
    void textThatFits_isSentAsItIs() {
        String t = "[CRITICAL] Card c-1001: test charge 1.00 at m-7, then 812.50 at m-9";
        assertThat(SmsText.fit(t, 1)).isEqualTo(t);
    }

    @Test
    void longGsm7Text_isCutTo160WithAnEllipsis() {
        String cut = SmsText.fit("[WARNING] " + "x".repeat(300), 1);
        // '[' and ']' are extension characters: the prefix takes 12 septets for 10 characters.
        assertThat(cut).hasSize(158).startsWith("[WARNING] xxx").endsWith("x...");
        assertThat(SmsText.measure(cut)).isEqualTo(new SmsText.Measure(SmsText.Encoding.GSM7, 160, 1));
    }

    @Test
    void longGsm7Text_withTwoSegments_isCutTo306() {
        String cut = SmsText.fit("y".repeat(400), 2);
        assertThat(cut).hasSize(306).endsWith("y...");
        assertThat(SmsText.measure(cut)).isEqualTo(new SmsText.Measure(SmsText.Encoding.GSM7, 306, 2));
    }

    @Test
    void extensionCharacters_countTwiceWhenCutting() {
        String cut = SmsText.fit("€".repeat(100), 1);
        // 78 euro signs (156 septets) and "..." (3) = 159: a 79th would need 161.
        assertThat(cut).isEqualTo("€".repeat(78) + "...");
        assertThat(SmsText.measure(cut).units()).isEqualTo(159);
    }

    @Test
    void ucs2Text_isCutTo70UnitsWithASingleCharacterEllipsis() {
        String cut = SmsText.fit("Überweisung für Kärtchen ç " + "z".repeat(100), 1);
        assertThat(SmsText.measure(cut)).isEqualTo(new SmsText.Measure(SmsText.Encoding.UCS2, 70, 1));
        assertThat(cut).endsWith("z…");
    }

    @Test
    void emoji_isNeverSplitWhenCutting() {
        // 68 units of text, then emoji: 68 + 2 > 69 (room left before the ellipsis), so it goes whole.
        String cut = SmsText.fit("a".repeat(68) + "🔥🔥🔥", 1);
        assertThat(cut).isEqualTo("a".repeat(68) + "…");
        String emojis = SmsText.fit("🔥".repeat(50), 1);
        assertThat(emojis).isEqualTo("🔥".repeat(34) + "…");
        assertThat(emojis.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF)).as("no lone surrogate").isTrue();
        assertThat(SmsText.measure(emojis).units()).isEqualTo(69);
    }

    @Test
    void cutText_dropsTrailingSpaceBeforeTheEllipsis() {
        String cut = SmsText.fit("a".repeat(156) + "    " + "b".repeat(50), 1);
        assertThat(cut).isEqualTo("a".repeat(156) + "...");
    }
}
