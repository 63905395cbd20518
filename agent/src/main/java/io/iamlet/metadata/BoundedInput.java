package io.iamlet.metadata;

/**
 * A CharSequence that gives up after a number of reads. Regular expressions in namespace annotations are written by
 * whoever may edit a namespace; a pathological one ({@code (.*a){20}b}) could otherwise backtrack for minutes on the
 * event loop. Java's matcher reads its input only through {@link #charAt}, so bounding the reads bounds the work.
 */
final class BoundedInput implements CharSequence {

    /** Thrown when the budget is spent; the match counts as failed. */
    static final class Exhausted extends RuntimeException {
        Exhausted() {
            super("regular expression too expensive", null, false, false);
        }
    }

    private final String text;
    private final int[] budget;

    BoundedInput(String text, int budget) {
        this(text, new int[] {budget});
    }

    private BoundedInput(String text, int[] budget) {
        this.text = text;
        this.budget = budget;
    }

    @Override
    public char charAt(int index) {
        if (--budget[0] < 0) {
            throw new Exhausted();
        }
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new BoundedInput(text.substring(start, end), budget);
    }

    @Override
    public String toString() {
        return text;
    }
}
