import numpy as np
import pytest

from rnnkit.asne.colony import TAU0, Colony


def test_coal_superstructure_counts():
    c = Colony(12, 3, 12, 1, 3, random_state=0)
    assert c.n_nodes == 49
    assert c.n_forward_lines == 912
    assert c.n_recurrent_lines == 3626 == 49 * 37 * 2
    assert c.n_lines == 4538
    assert len(c.start_tau) == 12
    assert c.type_tau.shape == (49, 6)
    assert np.all(c.line_tau == TAU0) and np.all(c.start_tau == TAU0)
    assert np.all(np.abs(c.line_weight) <= 0.5)


def test_line_structure():
    c = Colony(3, 2, 2, 2, 4, random_state=1)
    layer = c.node_layer
    fwd = c.line_skip == 0
    # forward lines go to every later layer (layer skipping included), never backward
    assert np.all(layer[c.line_dst[fwd]] > layer[c.line_src[fwd]])
    assert c.line_id[0, c.output_nodes[0], 0] >= 0  # input -> output directly
    # recurrent lines: every source to every non-input node, skips 1..K-1, self-loops included
    rec = ~fwd
    assert set(c.line_skip[rec]) == {1, 2, 3}
    assert np.all(layer[c.line_dst[rec]] >= 1)
    assert c.line_id[4, 4, 2] >= 0 and c.line_id[8, 3, 1] >= 0  # self loop; output -> hidden
    assert np.all(c.line_id[:, : c.n_inputs] == -1)  # nothing targets an input
    # line ids are consistent and grouped by source
    ids = c.line_id[c.line_src, c.line_dst, c.line_skip]
    np.testing.assert_array_equal(ids, np.arange(c.n_lines))
    for v in range(c.n_nodes):
        assert np.all(c.line_src[c.lines_of(v)] == v)


def test_state_roundtrip_and_errors():
    c = Colony(2, 1, 2, random_state=0)
    s = c.state()
    c.line_tau[:] = 5
    c.set_state(s)
    assert np.all(c.line_tau == TAU0)
    with pytest.raises(ValueError, match="line_tau"):
        c.set_state({**s, "line_tau": np.zeros(3)})
    with pytest.raises(ValueError, match="n_inputs"):
        Colony(0, 1, 2)
    with pytest.raises(ValueError, match="hidden_nodes"):
        Colony(2, 1, 0)
