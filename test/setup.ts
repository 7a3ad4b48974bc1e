// Registers toHaveReceivedCommandWith & co. (aws-sdk-client-mock-vitest v7 goes with vitest 4).
import 'aws-sdk-client-mock-vitest/extend';
