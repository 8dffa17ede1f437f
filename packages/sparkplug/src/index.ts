export { SparkplugHost, encodeSparkplug, decodeSparkplug, metricNameOf, type SparkplugDelivery, type SparkplugResult } from './host.js';
